/**
 * `upgrade apply`'s addon/windows subphase: once every API server runs the target, the Windows DaemonSets bosun
 * installed move with it (kube-proxy-windows to the new version; Flannel's Windows DaemonSet at Flannel's installed
 * version); what bosun did not install is left alone.
 */
import { describe, expect, it } from 'vitest';
import { kubeProxyWindowsDaemonSet } from '../../../src/addons/windows.js';
import { ADDON_RECORD } from '../../../src/addons/record.js';
import type { DaemonSet } from '../../../src/addons/workloads.js';
import type { UpgradeContext } from '../../../src/commands/upgrade/context.js';
import { addonPhase } from '../../../src/commands/upgrade/phases/addon.js';
import { configMap } from '../../../src/kube/objects.js';
import type { PhaseIO } from '../../../src/workflow/phase.js';
import { emitYaml } from '../../../src/util/yaml.js';
import { FakeCluster } from '../addons/fake-cluster.js';
import { initConfig } from './support.js';

const windowsPhase = addonPhase.phases!.find((p) => p.name === 'windows')!;
const config = (version: string) => initConfig(version, (cfg) => (cfg.cluster.networking.podSubnet = '10.244.0.0/16'));
const ref = (namespace: string, name: string) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace, name });
const record = (addons: Record<string, { version: string; objects: object[] }>) =>
  configMap('kube-system', ADDON_RECORD.name, Object.fromEntries(Object.entries(addons).map(([k, v]) => [k, emitYaml({ ...v, appliedAt: '' })])));

async function runWindows(cluster: FakeCluster): Promise<string[]> {
  const lines: string[] = [];
  const ctx = {
    node: async () => ({ name: 'cp-1', controlPlane: true }),
    target: async () => 'v1.37.1',
    cluster: async () => cluster.asCluster(),
    config: async () => config('v1.37.1'),
  } as unknown as UpgradeContext;
  await windowsPhase.run!(ctx, { log: (l: string) => void lines.push(l) } as unknown as PhaseIO);
  return lines;
}

const image = (cluster: FakeCluster, namespace: string, name: string) =>
  cluster.object<DaemonSet>('DaemonSet', name, namespace)?.spec.template.spec.containers[0].image;

describe("upgrade apply's Windows DaemonSets", () => {
  const kubeProxyConfig = configMap('kube-system', 'kube-proxy', { 'config.conf': '' });

  it('moves kube-proxy-windows that bosun installed to the new version', async () => {
    const cluster = new FakeCluster([
      kubeProxyConfig,
      kubeProxyWindowsDaemonSet(config('v1.36.3'), 'flannel'),
      record({ 'kube-proxy-windows': { version: 'v1.36.3', objects: [ref('kube-system', 'kube-proxy-windows')] } }),
    ]);
    const lines = await runWindows(cluster);
    expect(image(cluster, 'kube-system', 'kube-proxy-windows')).toBe('sigwindowstools/kube-proxy:v1.37.1-flannel-hostprocess');
    expect(lines).toContain('[upgrade/addon] Applied addon: kube-proxy-windows v1.37.1');
  });

  it("moves Flannel's Windows DaemonSets, kube-proxy's among them, keeping Flannel's version", async () => {
    const cluster = new FakeCluster([
      kubeProxyConfig,
      record({ flannel: { version: 'v0.28.10', objects: [ref('kube-flannel', 'kube-flannel-ds-windows-amd64'), ref('kube-system', 'kube-proxy-windows')] } }),
    ]);
    const lines = await runWindows(cluster);
    expect(image(cluster, 'kube-system', 'kube-proxy-windows')).toBe('sigwindowstools/kube-proxy:v1.37.1-flannel-hostprocess');
    expect(image(cluster, 'kube-flannel', 'kube-flannel-ds-windows-amd64')).toBe('sigwindowstools/flannel:v0.28.10-hostprocess');
    expect(lines).toContain('[upgrade/addon] Applied the Windows DaemonSets of flannel v0.28.10 and kube-proxy v1.37.1');
  });

  it('leaves Windows DaemonSets bosun did not install alone', async () => {
    const theirs = kubeProxyWindowsDaemonSet(config('v1.36.3'), 'flannel');
    const cluster = new FakeCluster([kubeProxyConfig, theirs]);
    const lines = await runWindows(cluster);
    expect(cluster.writes).toEqual([]);
    expect(lines).toEqual([
      '[upgrade/addon] Skipping the addon/windows phase: bosun installed no Windows DaemonSet (kube-flannel-ds-windows-amd64, kube-proxy-windows)',
    ]);
  });
});
