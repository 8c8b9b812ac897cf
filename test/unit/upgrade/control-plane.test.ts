import { afterAll, describe, expect, it } from 'vitest';
import type { InitConfig } from '../../../src/config/types.js';
import { RecordingCluster } from '../../../src/cluster/recording.js';
import { RecordingHost } from '../../../src/host/recording.js';
import type { Host } from '../../../src/host/host.js';
import { manifestPath, type NodeFacts } from '../../../src/manifests/static-pods.js';
import { backupStamp } from '../../../src/commands/upgrade/backup.js';
import type { ClusterState } from '../../../src/commands/upgrade/cluster-state.js';
import { upgradeConfig, type NodeIdentity } from '../../../src/config/stored.js';
import type { UpgradeContext } from '../../../src/commands/upgrade/context.js';
import { manualInstaller } from '../../../src/commands/upgrade/kubelet.js';
import { desiredManifests } from '../../../src/node/static-pods.js';
import { readStaticPodFacts } from '../../../src/node/static-pods.js';
import { applyPhases } from '../../../src/commands/upgrade/phases.js';
import { runWorkflow } from '../../../src/workflow/run.js';
import { ADVERTISE, FakeKubelet, initConfig, NODE, options, removeTempHosts, stateOf, tempHost } from './support.js';

process.env.CI = 'true';
afterAll(removeTempHosts);

const identity: NodeIdentity = { name: NODE, controlPlane: true, advertiseAddress: ADVERTISE, bindPort: 6443 };
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

/** A control-plane node as `bosun init` left it at `cfg`'s version. */
async function initializedNode(cfg: InitConfig): Promise<{ host: Host; facts: NodeFacts }> {
  const host = await tempHost();
  const facts = await readStaticPodFacts(host, cfg);
  for (const m of desiredManifests(cfg, facts, { etcd: true })) await host.writeFileAtomic(manifestPath(m.component), m.text, 0o600);
  await host.writeFileAtomic('/var/lib/etcd/member/snap/db', 'etcd data', 0o600);
  return { host, facts };
}

function context(host: Host, state: ClusterState, kubelet: FakeKubelet, target: string): UpgradeContext {
  return {
    host,
    options: options(),
    target: async () => target,
    cluster: async () => kubelet.asCluster(),
    state: async () => state,
    node: async () => identity,
    config: async () => upgradeConfig(state.configTexts, identity, target, []),
    kubelet: manualInstaller,
    run: { stamp: backupStamp(new Date()), upgraded: [] },
  };
}

const read = async (host: Host, component: string) => (await host.readFile(manifestPath(component)))?.toString('utf8');
const manifests = async (host: Host) => Promise.all(COMPONENTS.map((c) => read(host, c)));

describe('upgrade apply: control plane', () => {
  it('moves every static Pod to the new version, etcd first, each backed up', async () => {
    const cfg = initConfig('v1.36.3');
    const { host } = await initializedNode(cfg);
    const before = await manifests(host);
    const ctx = context(host, stateOf(cfg), new FakeKubelet(host), 'v1.37.1');
    await runWorkflow(applyPhases, ctx, { only: 'control-plane' });
    expect(ctx.run.upgraded.map((u) => u.component)).toEqual(COMPONENTS);
    const after = await manifests(host);
    expect(after[1]).toContain('image: registry.k8s.io/kube-apiserver:v1.37.1');
    expect(after[0]).toContain('image: registry.k8s.io/etcd:3.7.0-0');
    for (const [i, u] of ctx.run.upgraded.entries()) {
      expect(u.manifestBackup).toMatch(new RegExp(`^/etc/kubernetes/tmp/kubeadm-backup-manifests-\\d{4}(-\\d\\d){5}/${COMPONENTS[i]}\\.yaml$`));
      expect((await host.readFile(u.manifestBackup))?.toString('utf8')).toBe(before[i]);
      expect((await host.stat(u.manifestBackup))?.mode).toBe(0o600);
    }
    const etcdBackup = ctx.run.upgraded[0].etcdData!.backup;
    expect((await host.readFile(`${etcdBackup}/member/snap/db`))?.toString('utf8')).toBe('etcd data');
    expect((await host.stat('/etc/kubernetes/tmp'))?.mode).toBe(0o700);
  });

  it('changes nothing at the version the node already runs', async () => {
    const cfg = initConfig('v1.37.1');
    const { host } = await initializedNode(cfg);
    const recording = new RecordingHost(host);
    const ctx = context(recording, stateOf(cfg), new FakeKubelet(host), 'v1.37.1');
    await runWorkflow(applyPhases, ctx, { only: 'control-plane' });
    expect(recording.actions).toEqual([]);
    expect(ctx.run.upgraded).toEqual([]);
  });

  it('rolls back every manifest it changed but a healthy etcd when a component does not come up, naming it', async () => {
    const cfg = initConfig('v1.36.3', (c) => {
      c.cluster.scheduler.extraArgs = [{ name: 'no-such-flag', value: '1' }];
    });
    const { host } = await initializedNode(initConfig('v1.36.3'));
    const before = await manifests(host);
    const kubelet = new FakeKubelet(host, (component, manifest) => !manifest.includes('no-such-flag'));
    const ctx = context(host, stateOf(cfg), kubelet, 'v1.37.1');
    await expect(runWorkflow(applyPhases, ctx, { only: 'control-plane' })).rejects.toThrow(
      /control-plane\/scheduler: kube-scheduler failed on its new manifest: was restarted but did not become Ready .*Rolled back kube-scheduler, kube-controller-manager, kube-apiserver to the backups in \/etc\/kubernetes\/tmp\/kubeadm-backup-manifests-/,
    );
    const after = await manifests(host);
    expect(after.slice(1)).toEqual(before.slice(1));
    expect(after[0]).toContain('etcd:3.7.0-0');
  });

  it('restores etcd and its data when etcd itself fails', async () => {
    const cfg = initConfig('v1.36.3');
    const { host } = await initializedNode(cfg);
    const before = await read(host, 'etcd');
    const kubelet = new FakeKubelet(host, (component, manifest) => !(component === 'etcd' && manifest.includes('3.7.0-0')));
    const ctx = context(host, stateOf(cfg), kubelet, 'v1.37.1');
    // What the failing etcd wrote is thrown away with its data directory.
    const write = host.writeFileAtomic.bind(host);
    host.writeFileAtomic = async (p, data, mode) => {
      await write(p, data, mode);
      if (p === manifestPath('etcd') && String(data).includes('3.7.0-0')) await write('/var/lib/etcd/member/snap/db', 'written by the new etcd', 0o600);
    };
    await expect(runWorkflow(applyPhases, ctx, { only: 'control-plane' })).rejects.toThrow(/etcd failed on its new manifest.*etcd data from/);
    expect(await read(host, 'etcd')).toBe(before);
    expect((await host.readFile('/var/lib/etcd/member/snap/db'))?.toString('utf8')).toBe('etcd data');
    expect(await read(host, 'kube-apiserver')).toContain('kube-apiserver:v1.36.3');
  });

  it('records instead of writing in a dry run', async () => {
    const cfg = initConfig('v1.36.3');
    const { host } = await initializedNode(cfg);
    const before = await manifests(host);
    const recording = new RecordingHost(host);
    const ctx = context(recording, stateOf(cfg), new FakeKubelet(host), 'v1.37.1');
    const cluster = new RecordingCluster(await ctx.cluster());
    await runWorkflow(applyPhases, { ...ctx, cluster: async () => cluster }, { only: 'control-plane' });
    expect(await manifests(host)).toEqual(before);
    expect(recording.actions.filter((a) => a.kind === 'write' && a.target.startsWith('/etc/kubernetes/manifests/')).map((a) => a.target)).toEqual(
      COMPONENTS.map((c) => manifestPath(c)),
    );
  });
});
