import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/cluster/cluster.js';
import { corefile as defaultCorefile } from '../../../src/addons/coredns.js';
import { configMap, type ConfigMap } from '../../../src/kube/objects.js';
import { UserError } from '../../../src/errors.js';
import { FakeCluster } from './fake-cluster.js';
import { SWAPPED_COREFILE } from '../../support/corefiles.js';
import { corefileOf, deploymentOf, describeAction, install, KUBEADM_ORDER, plan } from './coredns-fixtures.js';

describe('CoreDNS addon: a cluster without DNS (init)', () => {
  it("applies kubeadm's objects in kubeadm's order with the default Corefile, and a second run changes nothing", async () => {
    const fake = new FakeCluster([], { rollsOut: true });
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
    const fake = new FakeCluster([configMap('kube-system', 'coredns', { Corefile: '.:53 {\n    whoami\n}\n' })], { rollsOut: true });
    const p = await install(fake);
    expect(p.notes).toEqual(['Keeping the existing Corefile of ConfigMap kube-system/coredns']);
    expect(corefileOf(fake)?.Corefile).toBe('.:53 {\n    whoami\n}\n');
  });

  it('translates a kube-dns ConfigMap kept from a swap (CoreDNS removed and installed again gets its stub domains back)', async () => {
    const fake = new FakeCluster([configMap('kube-system', 'kube-dns', { stubDomains: '{"acme.local": ["10.150.0.1"]}' })], { rollsOut: true });
    const p = await install(fake);
    expect(p.notes[0]).toBe('kube-dns → CoreDNS v1.14.6: the Corefile is translated from ConfigMap kube-system/kube-dns (kept for a rollback)');
    expect(corefileOf(fake)?.Corefile).toContain('acme.local:53 {\n    errors\n    cache 30\n    loop\n    forward . 10.150.0.1 {\n');
    expect(fake.object<ConfigMap>('ConfigMap', 'kube-dns')?.data).toEqual({ stubDomains: '{"acme.local": ["10.150.0.1"]}' });
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

describe('CoreDNS addon: a cluster running kube-dns', () => {
  it("translates kube-dns's ConfigMap, keeps the Service's ClusterIP, rolls CoreDNS out, then deletes Deployment kube-dns", async () => {
    const fake = new FakeCluster(kubeDNSCluster(KUBE_DNS_DATA), { rollsOut: true });
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
    const fake = new FakeCluster(kubeDNSCluster(KUBE_DNS_DATA), { rollsOut: true });
    const first = await plan(fake);
    for (const action of first.actions.slice(0, KUBEADM_ORDER.length)) await fake.asCluster().apply((action as { object: KubeObject }).object);
    const resumed = await install(fake);
    expect(resumed.actions.map(describeAction)).toEqual([...KUBEADM_ORDER, 'wait Deployment coredns', 'delete Deployment kube-dns']);
    expect(corefileOf(fake)?.Corefile).toBe(SWAPPED_COREFILE);
  });

  it('refuses an invalid kube-dns value, naming the key and the value, before anything is applied', async () => {
    const fake = new FakeCluster(kubeDNSCluster({ upstreamNameservers: '["8.8.8.8:99999"]' }), { rollsOut: true });
    const error = await plan(fake).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/ConfigMap kube-system\/kube-dns: data\.upstreamNameservers: .*"8\.8\.8\.8:99999"/);
    expect(fake.writes).toEqual([]);
  });

  it('refuses DNS Deployments other than coredns and kube-dns', async () => {
    const [kubeDNS] = kubeDNSCluster({});
    const other = structuredClone(kubeDNS);
    other.metadata.name = 'my-dns';
    const both = new FakeCluster([kubeDNS, other], { rollsOut: true });
    await expect(plan(both)).rejects.toThrow(/more than one DNS Deployment \(label k8s-app=kube-dns\): kube-dns \(.*\), my-dns/);
    await expect(plan(new FakeCluster([other], { rollsOut: true }))).rejects.toThrow(/a DNS Deployment bosun does not manage .*my-dns/);
  });
});
