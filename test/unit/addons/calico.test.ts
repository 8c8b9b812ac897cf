import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { calicoAddon } from '../../../src/addons/calico/index.js';
import { CALICO_CRD_FILES, OPERATOR_CRD_FILES } from '../../../src/addons/calico/crd-files.js';
import type { KubeObject } from '../../../src/cluster/cluster.js';
import { UserError } from '../../../src/errors.js';
import { addonInput, applied, find, manifests } from './addon-support.js';

describe('calico addon', () => {
  it('names every vendored CRD file', () => {
    const dir = path.join(manifests.dir, 'calico/v3.31.0/crds');
    expect([...OPERATOR_CRD_FILES]).toEqual(readdirSync(path.join(dir, 'operator')).sort());
    expect([...CALICO_CRD_FILES]).toEqual(readdirSync(path.join(dir, 'calico')).sort());
  });

  it('installs the operator, then the Installation with the pod subnet once its CRD is Established', async () => {
    const plan = await calicoAddon.plan(addonInput({ podNetworkCidr: '10.48.0.0/16' }));
    expect(plan.version).toBe('v3.31.0');
    const kinds = plan.actions.map((a) => (a.action === 'apply' ? a.object.kind : a.action));
    const firstWorkload = kinds.indexOf('Deployment');
    expect(new Set(kinds.slice(0, kinds.indexOf('ServiceAccount')))).toEqual(new Set(['Namespace', 'CustomResourceDefinition']));
    expect(kinds.indexOf('ClusterRole')).toBeLessThan(firstWorkload);
    expect(kinds.indexOf('wait-established')).toBeGreaterThan(firstWorkload);
    expect(kinds.slice(-4)).toEqual(['Installation', 'APIServer', 'Goldmane', 'Whisker']);
    const waited = plan.actions.flatMap((a) => (a.action === 'wait-established' ? [a.ref.name] : []));
    expect(waited.sort()).toEqual([
      'apiservers.operator.tigera.io',
      'goldmanes.operator.tigera.io',
      'installations.operator.tigera.io',
      'whiskers.operator.tigera.io',
    ]);

    const objects = applied(plan.actions);
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition')).toHaveLength(32);
    expect(find(objects, 'Installation', 'default').spec).toEqual({
      calicoNetwork: {
        ipPools: [
          {
            name: 'default-ipv4-ippool',
            blockSize: 26,
            cidr: '10.48.0.0/16',
            encapsulation: 'VXLANCrossSubnet',
            natOutgoing: 'Enabled',
            nodeSelector: 'all()',
          },
        ],
      },
    });
    const operator = find<KubeObject & { spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(objects, 'Deployment', 'tigera-operator');
    expect(operator.metadata.namespace).toBe('tigera-operator');
    expect(operator.spec.template.spec.containers[0].image).toBe('quay.io/tigera/operator:v1.40.0');
  });

  it('gives a dual-stack cluster an IPv6 pool too', async () => {
    const objects = applied(
      (await calicoAddon.plan(addonInput({ podNetworkCidr: '10.48.0.0/16,fd00:48::/56', serviceCidr: '10.96.0.0/12,fd00:96::/112' }))).actions,
    );
    const pools = (find(objects, 'Installation', 'default').spec as { calicoNetwork: { ipPools: Array<{ cidr: string; blockSize: number }> } }).calicoNetwork
      .ipPools;
    expect(pools.map((p) => [p.cidr, p.blockSize])).toEqual([
      ['10.48.0.0/16', 26],
      ['fd00:48::/56', 122],
    ]);
  });

  it('is refused without a pod subnet, and in manifest mode saying why', async () => {
    await expect(calicoAddon.plan(addonInput({}))).rejects.toThrow(/networking\.podSubnet/);
    const manifest = calicoAddon.plan(addonInput({ podNetworkCidr: '10.48.0.0/16' }, { settings: { mode: 'manifest' } }));
    await expect(manifest).rejects.toThrow(UserError);
    await expect(manifest).rejects.toThrow(/calico\.yaml.*not on the Go module proxy/);
    await expect(calicoAddon.plan(addonInput({ podNetworkCidr: '10.48.0.0/16' }, { settings: { mode: 'helm' } }))).rejects.toThrow(/operator, manifest/);
  });
});
