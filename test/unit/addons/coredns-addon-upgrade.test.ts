import { describe, expect, it } from 'vitest';
import { corefile as defaultCorefile } from '../../../src/addons/coredns.js';
import { coreDNSAddonDefinition } from '../../../src/addons/coredns-addon/index.js';
import { runPlan } from '../../../src/addons/run-plan.js';
import type { Deployment } from '../../../src/addons/workloads.js';
import type { ConfigMap } from '../../../src/kube/objects.js';
import { UserError } from '../../../src/errors.js';
import { FakeCluster } from './fake-cluster.js';
import { CUSTOM_1_6 } from '../../support/corefiles.js';
import { corefileOf, deploymentOf, describeAction, install, installedCoreDNS, KUBEADM_ORDER, plan } from './coredns-fixtures.js';

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

describe('CoreDNS addon: another CoreDNS version installed', () => {
  it('replaces a default Corefile by the new default', async () => {
    const fake = new FakeCluster(installedCoreDNS('v1.7.0', KUBEADM_1_19), { rollsOut: true });
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
      { rollsOut: true },
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

    await runPlan(p, { cluster: fake.asCluster(), io: { log: () => undefined }, now: new Date() });
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
    const fake = new FakeCluster(installedCoreDNS('v1.13.1', text), { rollsOut: true });
    const p = await install(fake);
    expect(p.actions.map(describeAction)).toEqual(KUBEADM_ORDER);
    expect(p.notes[0]).toBe('Corefile of ConfigMap kube-system/coredns (CoreDNS v1.13.1 → v1.14.6): kept (nothing to migrate)');
    expect(corefileOf(fake)).toEqual({ Corefile: text });
  });

  it('stops on a Corefile the migration cannot carry, naming plugin and version, unless the migration is skipped', async () => {
    // CoreDNS 1.5.0 moves a proxy's zone into a server block of its own: only from the "." block.
    const text = '.:53 {\n    kubernetes cluster.local\n}\nexample.org:53 {\n    proxy internal.example.org 10.0.0.1\n}\n';
    const fake = new FakeCluster(installedCoreDNS('v1.3.1', text), { rollsOut: true });
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
    await expect(plan(new FakeCluster([], { rollsOut: true }), { version: '1.2.3' })).rejects.toThrow(
      /--version: CoreDNS version "1.2.3" is not one bosun installs; expected v1.14.2, v1.14.6/,
    );
    expect((await plan(new FakeCluster([], { rollsOut: true }), { version: '1.14.2' })).version).toBe('v1.14.2');
  });

  it('reads the installed version from Deployment coredns', async () => {
    expect(await coreDNSAddonDefinition.installedVersion(new FakeCluster([], { rollsOut: true }).asCluster())).toBeUndefined();
    expect(await coreDNSAddonDefinition.installedVersion(new FakeCluster(installedCoreDNS('v1.13.1', ''), { rollsOut: true }).asCluster())).toBe('v1.13.1');
  });
});
