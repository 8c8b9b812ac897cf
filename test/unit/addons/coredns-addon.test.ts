import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/cluster/cluster.js';
import type { AddonAction, AddonSettings } from '../../../src/addons/addon.js';
import { corefile as defaultCorefile, coreDNSDeployment } from '../../../src/addons/coredns.js';
import { coreDNSAddonDefinition } from '../../../src/addons/coredns-addon/index.js';
import { runAddonActions } from '../../../src/addons/run-actions.js';
import type { Deployment } from '../../../src/addons/workloads.js';
import { configMap, type ConfigMap } from '../../../src/kube/objects.js';
import { UserError } from '../../../src/errors.js';
import { initConfig } from '../upgrade/support.js';
import { FakeCluster } from './fake-cluster.js';

const V137 = initConfig('v1.37.1');

async function plan(fake: FakeCluster, settings: AddonSettings = {}, cfg = V137) {
  return coreDNSAddonDefinition.plan({ config: cfg, cluster: fake.asCluster(), settings, windowsNodes: false });
}

async function install(fake: FakeCluster, settings: AddonSettings = {}) {
  const p = await plan(fake, settings);
  await runAddonActions(fake.asCluster(), p);
  return p;
}

const describeAction = (a: AddonAction) =>
  a.action === 'apply'
    ? `apply ${a.object.kind} ${a.object.metadata.name}`
    : a.action === 'delete'
      ? `delete ${a.ref.kind} ${a.ref.name}`
      : `wait ${a.ref.kind} ${a.ref.name}`;

const KUBEADM_ORDER = [
  'apply ConfigMap coredns',
  'apply ClusterRole system:coredns',
  'apply ClusterRoleBinding system:coredns',
  'apply ServiceAccount coredns',
  'apply Deployment coredns',
  'apply Service kube-dns',
];

/** CoreDNS as an earlier install left it: Deployment at `tag`, ConfigMap with `corefile`, Service kube-dns. */
function installedCoreDNS(tag: string, corefile: string, edit?: (d: Deployment) => void): KubeObject[] {
  const deployment = coreDNSDeployment({ ...V137.cluster, dns: { imageTag: tag } }, 2);
  edit?.(deployment);
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { clusterIP: '10.96.0.10' } };
  return [deployment, configMap('kube-system', 'coredns', { Corefile: corefile }), service];
}

const corefileOf = (fake: FakeCluster) => fake.object<ConfigMap>('ConfigMap', 'coredns')?.data;
const deploymentOf = (fake: FakeCluster) => fake.object<Deployment>('Deployment', 'coredns')!;

describe('CoreDNS addon: a cluster without DNS (init)', () => {
  it("applies kubeadm's objects in kubeadm's order with the default Corefile, and a second run changes nothing", async () => {
    const fake = new FakeCluster();
    const first = await install(fake);
    expect(first.version).toBe('v1.14.6');
    expect(first.actions.map(describeAction)).toEqual(KUBEADM_ORDER);
    expect(first.notes).toEqual(['Writing the default Corefile of CoreDNS v1.14.6 to ConfigMap kube-system/coredns']);
    expect(corefileOf(fake)).toEqual({ Corefile: defaultCorefile('cluster.local') });
    expect(deploymentOf(fake).spec.replicas).toBe(2);
    expect(fake.object<{ spec: { clusterIP: string } } & KubeObject>('Service', 'kube-dns')?.spec.clusterIP).toBe('10.96.0.10');

    const changes = fake.changes;
    const second = await install(fake);
    expect(second.notes).toEqual(['Corefile of ConfigMap kube-system/coredns (CoreDNS v1.14.6 → v1.14.6): kept']);
    expect(fake.changes).toBe(changes);
  });

  it('keeps a Corefile already in ConfigMap coredns', async () => {
    const fake = new FakeCluster([configMap('kube-system', 'coredns', { Corefile: '.:53 {\n    whoami\n}\n' })]);
    const p = await install(fake);
    expect(p.notes).toEqual(['Keeping the existing Corefile of ConfigMap kube-system/coredns']);
    expect(corefileOf(fake)?.Corefile).toBe('.:53 {\n    whoami\n}\n');
  });
});

/** A v1.20-era kube-dns: its Deployment (3 replicas), ConfigMap and Service at a ClusterIP not the 10th address. */
function kubeDNSCluster(data: Record<string, string>): KubeObject[] {
  const labels = { 'k8s-app': 'kube-dns' };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels },
    spec: {
      replicas: 3,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'kubedns', image: 'registry.k8s.io/dns/k8s-dns-kube-dns:1.17.3' }] } },
    },
  };
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system', labels }, spec: { clusterIP: '10.96.0.53' } };
  return [deployment, configMap('kube-system', 'kube-dns', data), service];
}

const KUBE_DNS_DATA = {
  stubDomains: '{"acme.local": ["10.150.0.1"], "corp.example": ["10.150.0.2:5353", "ns.corp.example"]}',
  upstreamNameservers: '["8.8.8.8", "8.8.4.4"]',
  federations: '{"myfed": "fed.example.com"}',
};

const SWAPPED_COREFILE = `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . 8.8.8.8 8.8.4.4 {
        max_concurrent 1000
    }
    cache 30 {
        disable success cluster.local
        disable denial cluster.local
    }
    loop
    reload
    loadbalance
}

acme.local:53 {
    errors
    cache 30
    loop
    forward . 10.150.0.1 {
        max_concurrent 1000
    }
}

corp.example:53 {
    errors
    cache 30
    loop
    forward . 10.150.0.2:5353 {
        max_concurrent 1000
    }
}
`;

describe('CoreDNS addon: a cluster running kube-dns', () => {
  it("translates kube-dns's ConfigMap, keeps the Service's ClusterIP, rolls CoreDNS out, then deletes Deployment kube-dns", async () => {
    const fake = new FakeCluster(kubeDNSCluster(KUBE_DNS_DATA));
    const p = await install(fake);
    expect(p.actions.map(describeAction)).toEqual([...KUBEADM_ORDER, 'wait Deployment coredns', 'delete Deployment kube-dns']);
    expect(p.actions.at(-1)).toMatchObject({ reason: expect.stringContaining('ConfigMap kube-system/kube-dns is kept for a rollback') });
    expect(corefileOf(fake)).toEqual({ Corefile: SWAPPED_COREFILE });
    // The federation block went with the migration past CoreDNS 1.7.0, and the hostname nameserver with the translation.
    expect(p.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"ns.corp.example" is a hostname'),
        'the Corefile translated from kube-dns loses a plugin CoreDNS v1.14.6 does not have: Plugin "federation" is removed in 1.7.0.',
      ]),
    );
    // --dry-run prints the notes: the Corefile it writes is among them, indented.
    expect(p.notes).toContain(`Corefile:\n${SWAPPED_COREFILE.trimEnd().replace(/^/gm, '    ')}`);
    expect(p.notes).toContain('Service kube-system/kube-dns keeps its ClusterIP 10.96.0.53 and selects the CoreDNS pods');
    expect(fake.object<KubeObject & { spec: { clusterIP: string } }>('Service', 'kube-dns')?.spec.clusterIP).toBe('10.96.0.53');
    expect(deploymentOf(fake).spec.replicas).toBe(3);
    expect(fake.object('Deployment', 'kube-dns')).toBeUndefined();
    expect(fake.object<ConfigMap>('ConfigMap', 'kube-dns')?.data).toEqual(KUBE_DNS_DATA);

    const changes = fake.changes;
    const again = await install(fake);
    expect(again.actions.map(describeAction)).toEqual(KUBEADM_ORDER);
    expect(fake.changes).toBe(changes);
  });

  it('picks up an interrupted swap (both Deployments there) and keeps the Corefile it wrote', async () => {
    const fake = new FakeCluster(kubeDNSCluster(KUBE_DNS_DATA));
    const first = await plan(fake);
    for (const action of first.actions.slice(0, KUBEADM_ORDER.length)) await fake.asCluster().apply((action as { object: KubeObject }).object);
    const resumed = await install(fake);
    expect(resumed.actions.map(describeAction)).toEqual([...KUBEADM_ORDER, 'wait Deployment coredns', 'delete Deployment kube-dns']);
    expect(corefileOf(fake)?.Corefile).toBe(SWAPPED_COREFILE);
  });

  it('refuses an invalid kube-dns value, naming the key and the value, before anything is applied', async () => {
    const fake = new FakeCluster(kubeDNSCluster({ upstreamNameservers: '["8.8.8.8:99999"]' }));
    const error = await plan(fake).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/ConfigMap kube-system\/kube-dns: data\.upstreamNameservers: .*"8\.8\.8\.8:99999"/);
    expect(fake.writes).toEqual([]);
  });

  it('refuses DNS Deployments other than coredns and kube-dns', async () => {
    const [kubeDNS] = kubeDNSCluster({});
    const other = structuredClone(kubeDNS);
    other.metadata.name = 'my-dns';
    const both = new FakeCluster([kubeDNS, other]);
    await expect(plan(both)).rejects.toThrow(/more than one DNS Deployment \(label k8s-app=kube-dns\): kube-dns \(.*\), my-dns/);
    await expect(plan(new FakeCluster([other]))).rejects.toThrow(/a DNS Deployment bosun does not manage .*my-dns/);
  });
});

/** kubeadm v1.19's default Corefile (CoreDNS 1.7.0). */
const KUBEADM_1_19 = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

/** Customised for CoreDNS 1.6.9: a hosts block, and a forward without 1.7.0's max_concurrent. */
const CUSTOM_1_6 = `.:53 {
    errors
    health
    ready
    hosts {
       10.0.0.1 registry.internal
       fallthrough
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
    }
    forward . 10.0.0.53
    cache 30
    reload
}
`;

describe('CoreDNS addon: another CoreDNS version installed', () => {
  it('replaces a default Corefile by the new default', async () => {
    const fake = new FakeCluster(installedCoreDNS('v1.7.0', KUBEADM_1_19));
    const p = await install(fake);
    expect(p.actions.map(describeAction)).toEqual(KUBEADM_ORDER);
    expect(p.notes).toEqual(['Corefile of ConfigMap kube-system/coredns (CoreDNS v1.7.0 → v1.14.6): default Corefile: replaced']);
    expect(corefileOf(fake)).toEqual({ Corefile: defaultCorefile('cluster.local') });
  });

  it('migrates a customised Corefile: the old pods roll onto Corefile-backup first; replicas, resources and affinity are kept', async () => {
    const affinity = {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'dns', operator: 'Exists' }] }] } },
    };
    const resources = { limits: { memory: '512Mi' }, requests: { cpu: '250m', memory: '128Mi' } };
    const fake = new FakeCluster(
      installedCoreDNS('v1.6.9-100', CUSTOM_1_6, (d) => {
        d.spec.replicas = 5;
        d.spec.template.spec.affinity = affinity;
        d.spec.template.spec.containers[0].resources = resources;
      }),
    );
    const p = await plan(fake);
    expect(p.actions.map(describeAction)).toEqual(['apply ConfigMap coredns', 'apply Deployment coredns', 'wait Deployment coredns', ...KUBEADM_ORDER]);
    const applied = p.actions.flatMap((a) => (a.action === 'apply' ? [a.object] : []));
    const [backupMap, onBackup, finalMap] = applied as [ConfigMap, Deployment, ConfigMap];
    expect(backupMap.data).toEqual({ Corefile: CUSTOM_1_6, 'Corefile-backup': CUSTOM_1_6 });
    expect(onBackup.spec.template.spec.containers[0].image).toBe('registry.k8s.io/coredns/coredns:v1.6.9-100');
    expect(onBackup.spec.template.spec.volumes).toEqual([
      { name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile-backup', path: 'Corefile' }] } },
    ]);
    expect(finalMap.data['Corefile-backup']).toBe(CUSTOM_1_6);
    expect(finalMap.data.Corefile).toContain('    forward . 10.0.0.53 {\n        max_concurrent 1000\n    }\n');
    expect(finalMap.data.Corefile).toContain('    hosts {\n        10.0.0.1 registry.internal\n        fallthrough\n    }\n');
    expect(p.notes[0]).toBe('Corefile of ConfigMap kube-system/coredns (CoreDNS v1.6.9-100 → v1.14.6): migrated');
    expect(p.notes).toContain('Corefile migration: Option "max_concurrent" in plugin "forward" is added as a default in 1.7.0.');
    expect(p.notes).toContain(`Corefile:\n${finalMap.data.Corefile.trimEnd().replace(/^/gm, '    ')}`);

    await runAddonActions(fake.asCluster(), p);
    const deployment = deploymentOf(fake);
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({ image: 'registry.k8s.io/coredns/coredns:v1.14.6', resources });
    expect(deployment.spec.template.spec.volumes?.[0]).toMatchObject({ configMap: { items: [{ key: 'Corefile', path: 'Corefile' }] } });
    expect(deployment.spec).toMatchObject({ replicas: 5, template: { spec: { affinity } } });
    // Done: the next run keeps the migrated Corefile and its backup, and changes nothing.
    const changes = fake.changes;
    const again = await install(fake);
    expect(again.notes).toEqual(['Corefile of ConfigMap kube-system/coredns (CoreDNS v1.14.6 → v1.14.6): kept']);
    expect(corefileOf(fake)).toEqual(finalMap.data);
    expect(fake.changes).toBe(changes);
  });

  it('keeps a customised Corefile the migration does not change, comments and all', async () => {
    const text = `# ours\n${defaultCorefile('cluster.local').replace('    loadbalance\n', '    loadbalance\n    log\n')}`;
    const fake = new FakeCluster(installedCoreDNS('v1.13.1', text));
    const p = await install(fake);
    expect(p.actions.map(describeAction)).toEqual(KUBEADM_ORDER);
    expect(p.notes[0]).toBe('Corefile of ConfigMap kube-system/coredns (CoreDNS v1.13.1 → v1.14.6): kept (nothing to migrate)');
    expect(corefileOf(fake)).toEqual({ Corefile: text });
  });

  it('stops on a Corefile the migration cannot carry, naming plugin and version, unless the migration is skipped', async () => {
    // CoreDNS 1.5.0 moves a proxy's zone into a server block of its own: only from the "." block.
    const text = '.:53 {\n    kubernetes cluster.local\n}\nexample.org:53 {\n    proxy internal.example.org 10.0.0.1\n}\n';
    const fake = new FakeCluster(installedCoreDNS('v1.3.1', text));
    const error = await plan(fake).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /^ConfigMap kube-system\/coredns: data\.Corefile: the Corefile cannot be migrated from CoreDNS v1\.3\.1 to v1\.14\.6: .*CoreDNS 1\.5\.0.*forwards zone "internal\.example\.org"/,
    );
    expect((error as Error).message).toContain('--ignore-preflight-errors=CoreDNSMigration');

    const skipped = await install(fake, { skipCorefileMigration: true });
    expect(skipped.notes[0]).toBe('Corefile of ConfigMap kube-system/coredns (CoreDNS v1.3.1 → v1.14.6): kept (Corefile migration skipped)');
    expect(skipped.warnings).toEqual([expect.stringContaining('the Corefile migration from CoreDNS v1.3.1 to v1.14.6 is skipped')]);
    expect(corefileOf(fake)).toEqual({ Corefile: text });
  });

  it('names a version bosun does not install', async () => {
    await expect(plan(new FakeCluster(), { version: '1.2.3' })).rejects.toThrow(
      /--version: CoreDNS version "1.2.3" is not one bosun installs; expected v1.14.2, v1.14.6/,
    );
    expect((await plan(new FakeCluster(), { version: '1.14.2' })).version).toBe('v1.14.2');
  });

  it('reads the installed version from Deployment coredns', async () => {
    expect(await coreDNSAddonDefinition.installedVersion(new FakeCluster().asCluster())).toBeUndefined();
    expect(await coreDNSAddonDefinition.installedVersion(new FakeCluster(installedCoreDNS('v1.13.1', '')).asCluster())).toBe('v1.13.1');
  });
});
