import { afterAll, describe, expect, it } from 'vitest';
import { ClusterError, UNREACHABLE } from '../../../src/cluster/errors.js';
import type { InitConfig } from '../../../src/config/types.js';
import type { Host } from '../../../src/host/host.js';
import { LocalHost } from '../../../src/host/local.js';
import { RecordingHost } from '../../../src/host/recording.js';
import { manifestPath } from '../../../src/manifests/static-pods.js';
import { desiredManifests, readStaticPodFacts } from '../../../src/node/static-pods.js';
import type { ClusterState } from '../../../src/commands/upgrade/cluster-state.js';
import { upgradeConfig, type NodeIdentity } from '../../../src/config/stored.js';
import type { UpgradeContext } from '../../../src/commands/upgrade/context.js';
import { APPLY_JOURNAL } from '../../../src/commands/upgrade/journal.js';
import { manualInstaller } from '../../../src/commands/upgrade/kubelet.js';
import { applyPhases } from '../../../src/commands/upgrade/phases.js';
import { runWorkflow } from '../../../src/workflow/run.js';
import { ADVERTISE, FakeKubelet, initConfig, NODE, options, removeTempHosts, stateOf, tempHost } from './support.js';

process.env.CI = 'true';
afterAll(removeTempHosts);

const identity: NodeIdentity = { name: NODE, controlPlane: true, advertiseAddress: ADVERTISE, bindPort: 6443 };
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const OLD = 'v1.36.3';
const NEW = 'v1.37.1';
/** The phases that touch this node (the others only apply API objects, which the fake records). */
const ON_THE_NODE = { skip: ['upload-config', 'kubelet-config', 'bootstrap-token', 'addon'] };
const TMP = '/etc/kubernetes/tmp';

class Killed extends Error {}

async function initializedNode(cfg: InitConfig): Promise<LocalHost> {
  const host = await tempHost();
  const facts = await readStaticPodFacts(host, cfg);
  for (const m of desiredManifests(cfg, facts, { etcd: true })) await host.writeFileAtomic(manifestPath(m.component), m.text, 0o600);
  await host.writeFileAtomic('/var/lib/etcd/member/snap/db', 'etcd data', 0o600);
  return host;
}

/** A whole `upgrade apply` run's context (journaled), at its own backup stamp. */
function applyContext(host: Host, kubelet: FakeKubelet, target: string, stamp: string): UpgradeContext {
  const state: ClusterState = stateOf(initConfig(OLD));
  return {
    host,
    options: options(),
    target: async () => target,
    cluster: async () => kubelet.asCluster(),
    state: async () => state,
    node: async () => identity,
    config: async () => upgradeConfig(state.configTexts, identity, target, []),
    kubelet: manualInstaller,
    run: { stamp, upgraded: [], journaled: true },
  };
}

/** The same node, whose process dies (throws Killed) at its `at`-th write, before or after making it. */
function dyingHost(root: string, at: number, after: boolean): LocalHost {
  const host = new LocalHost(root);
  const write = host.writeFileAtomic.bind(host);
  let writes = 0;
  host.writeFileAtomic = async (p, data, mode) => {
    if (writes++ === at && !after) throw new Killed(`killed before writing ${p}`);
    await write(p, data, mode);
    if (writes - 1 === at) throw new Killed(`killed after writing ${p}`);
  };
  return host;
}

const text = async (host: Host, p: string) => (await host.readFile(p))?.toString('utf8');
const manifests = (host: Host) => Promise.all(COMPONENTS.map((c) => text(host, manifestPath(c))));
const backupSets = async (host: Host) => (await host.readdir(TMP)).filter((d) => d.startsWith('kubeadm-backup-manifests-'));

describe('upgrade apply: resuming a killed run', () => {
  it('converges on the re-run after a kill at any write, keeping one set of backups of the old manifests', async () => {
    const clean = await initializedNode(initConfig(OLD));
    let writes = 0;
    const counting = new LocalHost(clean.root);
    const write = counting.writeFileAtomic.bind(counting);
    counting.writeFileAtomic = async (p, data, mode) => {
      writes++;
      await write(p, data, mode);
    };
    await runWorkflow(applyPhases, applyContext(counting, new FakeKubelet(clean), NEW, '2026-01-01-00-00-00'), ON_THE_NODE);
    const upgraded = await manifests(clean);
    expect(writes).toBeGreaterThan(10);

    // Writes are atomic: a kill before one leaves the node as a kill after the one before it, so after each, and before the first.
    const kills = [{ at: 0, after: false }, ...Array.from({ length: writes }, (_, at) => ({ at, after: true }))];
    for (const { at, after } of kills) {
      const node = await initializedNode(initConfig(OLD));
      const old = await manifests(node);
      const killed = applyContext(dyingHost(node.root, at, after), new FakeKubelet(node), NEW, '2026-01-01-00-00-00');
      await expect(runWorkflow(applyPhases, killed, ON_THE_NODE), `write ${at}`).rejects.toMatchObject({ cause: expect.any(Killed) });
      const interrupted = (await node.stat(APPLY_JOURNAL)) !== undefined;

      const rerun = applyContext(node, new FakeKubelet(node), NEW, '2026-01-01-00-00-09');
      const lines: string[] = [];
      await runWorkflow(applyPhases, rerun, { ...ON_THE_NODE, sink: (e) => e.type === 'log' && lines.push(e.line) });
      const where = `killed ${after ? 'after' : 'before'} write ${at}`;
      expect(await manifests(node), where).toEqual(upgraded);
      expect(await node.stat(APPLY_JOURNAL), where).toBeUndefined();
      const sets = await backupSets(node);
      expect(sets, where).toHaveLength(1);
      for (const [i, c] of COMPONENTS.entries()) expect(await text(node, `${TMP}/${sets[0]}/${c}.yaml`), `${where}: ${c}`).toBe(old[i]);
      const etcdBackups = (await node.readdir(TMP)).filter((d) => d.startsWith('kubeadm-backup-etcd-'));
      expect(etcdBackups, where).toEqual([sets[0].replace('manifests', 'etcd')]);
      expect(await text(node, `${TMP}/${etcdBackups[0]}/etcd/member/snap/db`), where).toBe('etcd data');
      if (interrupted) expect(lines.join('\n'), where).toContain(`Resuming the interrupted "upgrade apply ${NEW}"`);
    }
  }, 180_000);

  it('refuses another version while an interrupted run waits, saying how to proceed, and changes nothing', async () => {
    const node = await initializedNode(initConfig(OLD));
    const killedAt = applyContext(dyingHost(node.root, 4, true), new FakeKubelet(node), NEW, '2026-01-01-00-00-00');
    await expect(runWorkflow(applyPhases, killedAt, ON_THE_NODE)).rejects.toMatchObject({ cause: expect.any(Killed) });
    const before = await manifests(node);
    const recording = new RecordingHost(node);
    const other = applyContext(recording, new FakeKubelet(node), 'v1.37.0', '2026-01-01-00-00-09');
    const run = runWorkflow(applyPhases, other, ON_THE_NODE);
    await expect(run).rejects.toThrow(
      `an "upgrade apply ${NEW}" of this node was interrupted (journal ${APPLY_JOURNAL}, backups of 2026-01-01-00-00-00); ` +
        `finish it first with "bosun upgrade apply ${NEW}", then upgrade to v1.37.0; or remove ${APPLY_JOURNAL} to start a new upgrade`,
    );
    await expect(run).rejects.toMatchObject({ exitCode: 3 });
    expect(recording.actions).toEqual([]);
    expect(await manifests(node)).toEqual(before);
  });

  it('waits for the API server within the timeout, and fails saying the run is kept when it does not answer', async () => {
    const node = await initializedNode(initConfig(OLD));
    await expect(
      runWorkflow(applyPhases, applyContext(dyingHost(node.root, 6, true), new FakeKubelet(node), NEW, '2026-01-01-00-00-00'), ON_THE_NODE),
    ).rejects.toMatchObject({ cause: expect.any(Killed) });
    const kubelet = new FakeKubelet(node);
    kubelet.raw = async () => {
      throw new ClusterError('get', '/readyz', UNREACHABLE, 'connect ECONNREFUSED 192.0.2.10:6443');
    };
    const waits: string[] = [];
    const run = runWorkflow(applyPhases, applyContext(node, kubelet, NEW, '2026-01-01-00-00-09'), {
      ...ON_THE_NODE,
      sink: (e) => e.type === 'wait' && !e.done && waits.push(e.what),
    });
    await expect(run).rejects.toThrow(
      /preflight: the API server did not answer \/readyz within 1s: .*ECONNREFUSED.*The interrupted upgrade is kept in \/etc\/kubernetes\/tmp\/bosun-upgrade-apply.json/,
    );
    await expect(run).rejects.toMatchObject({ exitCode: 3 });
    expect(waits).toEqual(['the API server to answer /readyz']);
    expect(await node.stat(APPLY_JOURNAL)).toBeDefined();
  });

  it('writes no journal when the node already runs the target', async () => {
    const node = await initializedNode(initConfig(NEW));
    const recording = new RecordingHost(node);
    await runWorkflow(applyPhases, applyContext(recording, new FakeKubelet(node), NEW, '2026-01-01-00-00-00'), ON_THE_NODE);
    expect(recording.actions).toEqual([]);
  });

  it("refuses a journal it cannot read back, or whose backups are not its run's, naming the file and the field", async () => {
    const node = await initializedNode(initConfig(OLD));
    await node.writeFileAtomic(APPLY_JOURNAL, JSON.stringify({ kind: 'UpgradeApplyJournal', target: NEW, stamp: 'yesterday', upgraded: [] }), 0o600);
    await expect(runWorkflow(applyPhases, applyContext(node, new FakeKubelet(node), NEW, '2026-01-01-00-00-09'), ON_THE_NODE)).rejects.toThrow(
      `${APPLY_JOURNAL}: field stamp:`,
    );
    const elsewhere = { component: 'kube-apiserver', manifestBackup: '/etc/kubernetes/manifests/kube-apiserver.yaml' };
    await node.writeFileAtomic(
      APPLY_JOURNAL,
      JSON.stringify({ kind: 'UpgradeApplyJournal', target: NEW, stamp: '2026-01-01-00-00-00', upgraded: [elsewhere] }),
      0o600,
    );
    await expect(runWorkflow(applyPhases, applyContext(node, new FakeKubelet(node), NEW, '2026-01-01-00-00-09'), ON_THE_NODE)).rejects.toThrow(
      `${APPLY_JOURNAL}: field upgraded.0.manifestBackup: expected /etc/kubernetes/tmp/kubeadm-backup-manifests-2026-01-01-00-00-00/kube-apiserver.yaml; remove`,
    );
  });
});
