/**
 * A cluster file whose `kubernetesVersion` is newer than the cluster's: `bosun apply` upgrades the cluster as an
 * operator would by hand, with bosun's own engines. The version rules first (one minor at a time, the kubelets
 * within skew: `upgrade apply`'s preflight), before anything changes; then `upgrade apply` on the leader through
 * its SSH host, then every node through the roll of `bosun upgrade nodes` (control-plane nodes one at a time, then
 * the workers; each drained, its kubelet installed as its host's `kubelet.install` says, Ready again). A file that
 * names an older version is refused: clusters are not downgraded.
 */
import type { Cluster } from '../../cluster/cluster.js';
import { nodeFacts } from '../../config/node-facts.js';
import { DEFAULTS } from '../../config/defaults.js';
import { durationMs } from '../../config/duration.js';
import { normalizeKubernetesVersion } from '../../config/version.js';
import { UserError } from '../../errors.js';
import type { Host } from '../../host/host.js';
import { localMachineFacts } from '../../host/machine.js';
import type { ConfigMap } from '../../kube/objects.js';
import { parseYaml } from '../../util/yaml.js';
import { parseKubernetesVersion } from '../../versions/skew.js';
import { openDoors } from '../../workflow/doors.js';
import type { EventSink } from '../../workflow/events.js';
import type { CommandEnvironment } from '../../workflow/flags.js';
import { runWorkflow } from '../../workflow/run.js';
import { ADMIN_CONF } from '../join/session.js';
import { readClusterState } from '../upgrade/cluster-state.js';
import { upgradeContext } from '../upgrade/make-context.js';
import { connect, defaultJournalDir, startRoll, type NodesFlags } from '../upgrade/nodes/command.js';
import type { HostFlags } from '../../roll/hosts.js';
import { applyPhases } from '../upgrade/phases.js';
import { checkVersionPolicy } from '../upgrade/phases/preflight.js';
import type { VersionChange } from './plan.js';

/** The ClusterConfiguration's kubernetesVersion, as kubeadm-config holds it. */
export async function clusterVersion(cluster: Cluster): Promise<string | undefined> {
  const cm = await cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kubeadm-config' });
  let doc: unknown;
  try {
    doc = parseYaml(cm?.data?.ClusterConfiguration ?? '{}');
  } catch {
    throw new UserError('ConfigMap kube-system/kubeadm-config: its ClusterConfiguration does not parse');
  }
  const version = (doc as { kubernetesVersion?: unknown } | null)?.kubernetesVersion;
  return typeof version === 'string' ? version : undefined;
}

/** Throws when the file names an older version than the cluster runs; whether it names a newer one. */
export function versionChange(file: string, wanted: string, running: string | undefined): VersionChange | undefined {
  const [want, run] = [parseKubernetesVersion(wanted), running === undefined ? undefined : parseKubernetesVersion(running)];
  if (!want || !run || want.compare(run) === 0) return undefined;
  if (want.compare(run) < 0) {
    throw new UserError(
      `${file}: kubernetesVersion is ${wanted}, the cluster runs ${running}; nothing was changed. Kubernetes clusters are not downgraded: put ${running} back in the file`,
    );
  }
  return { from: running!, to: normalizeKubernetesVersion(wanted) };
}

/** The upgrade the file asks for, if any, checked against the version rules of `upgrade apply` before any change. */
export async function planUpgrade(cluster: Cluster, file: string, wanted: string): Promise<VersionChange | undefined> {
  const change = versionChange(file, wanted, await clusterVersion(cluster));
  if (change) checkVersionPolicy(await readClusterState(cluster), change.to, new Set());
  return change;
}

export interface UpgradeRun {
  change: VersionChange;
  /** The cluster file: the roll reaches the nodes through it. */
  file: string;
  leader: { name: string; node: Host };
  hostFlags: HostFlags;
  env: CommandEnvironment;
  sink: EventSink;
}

/** The roll as `bosun upgrade nodes --version <to> --inventory <file> --yes` runs it, on the leader's cluster. */
function rollFlags(run: UpgradeRun): NodesFlags {
  return {
    ...run.hostFlags,
    version: run.change.to,
    inventory: run.file,
    maxUnavailable: '1',
    order: 'name',
    pauseBetween: 0,
    healthTimeout: 300,
    executor: [],
    journalDir: defaultJournalDir(run.env),
    yes: true,
    gracePeriod: -1,
    timeout: 0,
    skipWaitForDeleteTimeout: 0,
  };
}

/** The control plane on the leader (`upgrade apply`), then every node (the roll). */
export async function upgradeCluster(run: UpgradeRun): Promise<void> {
  const doors = openDoors({ kubeconfig: ADMIN_CONF }, run.leader.node);
  const options = {
    overrides: new Set<never>(),
    ignorePreflightErrors: new Set<string>(),
    certificateRenewal: true,
    etcdUpgrade: true,
    timeoutMs: durationMs(DEFAULTS.timeouts.upgradeManifests),
    kubeconfigPath: ADMIN_CONF,
    nodeName: run.leader.name,
  };
  const proxyEnv = nodeFacts(localMachineFacts).proxyEnv();
  const ctx = upgradeContext({ doors, options, target: run.change.to, journaled: true, proxyEnv });
  await runWorkflow(applyPhases, ctx, { sink: run.sink });
  const flags = rollFlags(run);
  const session = await connect(flags, run.env, { doors, journalKey: run.file });
  try {
    await startRoll(session, flags);
  } finally {
    await session.hosts.close();
  }
}
