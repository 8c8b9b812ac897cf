/**
 * `bosun apply --prune`: the nodes leaving the cluster (prune-plan.ts) are, each in turn, cordoned and drained,
 * its etcd member removed (a control-plane node), its machine's files cleaned when bosun can reach it, and its Node
 * deleted last, so that nothing on the machine registers it again.
 */
import type { Cluster, KubeObject } from '../../cluster/cluster.js';
import { ClusterError } from '../../cluster/errors.js';
import { setUnschedulable } from '../../drain/executor/cordon.js';
import { Drainer } from '../../drain/executor/evict.js';
import { DEFAULT_DRAIN_OPTIONS, type DrainOptions } from '../../drain/planner/filters.js';
import { hexId, type Etcd, type EtcdTLS } from '../../etcd/etcd.js';
import { UserError } from '../../errors.js';
import type { Host } from '../../host/host.js';
import { ETCD_ADVERTISE_CLIENT_URLS_ANNOTATION } from '../../kube/labels.js';
import { DEFAULT_ETCD_DATA_DIR, KUBELET_DIR, KUBERNETES_DIR } from '../../kube/paths.js';
import type { Node } from '../../kube/workloads.js';
import { openDoors } from '../../workflow/doors.js';
import { ADMIN_CONF } from '../join/session.js';
import type { ApplyRun } from './act.js';
import type { ApplyPlan } from './plan.js';
import type { Departure } from './prune-plan.js';

/**
 * How a leaving node is drained: as k0sctl drains a node it resets (DaemonSet pods stay, emptyDir data and pods
 * of no controller go: the machine leaves for good), each pod with its own grace period, five minutes at most.
 */
export const PRUNE_DRAIN: DrainOptions = { ...DEFAULT_DRAIN_OPTIONS, force: true, ignoreDaemonSets: true, deleteEmptyDirData: true, timeoutSeconds: 300 };

export interface PruneRun {
  cluster: Cluster;
  /** The control-plane host that stays: its etcd client certificate removes members. */
  leader: Host;
  certificatesDir: string;
  /** Each reset host's connection, by name. */
  nodeOf: (name: string) => Host;
  etcd: (endpoints: string[], tls: EtcdTLS) => Etcd;
  log: (line: string) => void;
}

/** The run's way to remove nodes: through the leader, which stays. */
export function pruneRun(run: ApplyRun, cluster: Cluster): PruneRun {
  const leader = run.surveyed.get(run.plan.leader.name)!.node;
  return {
    cluster,
    leader,
    certificatesDir: run.leaderConfig.cluster.certificatesDir,
    nodeOf: (name) => run.surveyed.get(name)!.node,
    etcd: openDoors({ kubeconfig: ADMIN_CONF }, leader).etcd,
    log: (line) => run.progress.log(line),
  };
}

/** For a cluster that matches the file: the nodes kept although the file does not keep them. */
export function keptText(plan: ApplyPlan): string {
  const kept = plan.departures.filter((d) => d.action === 'keep');
  return kept.length ? `\n${kept.map((d) => `[apply] ${d.name}: ${d.why}`).join('\n')}` : '';
}

/** Removes the departures marked 'remove', one at a time (etcd loses one member at a time). */
export async function removeDepartures(run: PruneRun, departures: Departure[]): Promise<void> {
  for (const d of departures.filter((x) => x.action === 'remove')) {
    const say = (line: string) => run.log(`[${d.name}] ${line}`);
    await drainNode(run, d.name, say);
    if (d.role === 'control-plane') await removeEtcdMember(run, d.name, say);
    if (d.host) await cleanMachine(run.nodeOf(d.name), say);
    else say(`its machine is not in the file: its files are left (stop its kubelet and remove ${KUBERNETES_DIR}, ${KUBELET_DIR}, ${DEFAULT_ETCD_DATA_DIR})`);
    await deleteNode(run.cluster, d.name);
    say('[prune] Deleted its Node');
  }
}

async function drainNode(run: PruneRun, name: string, say: (line: string) => void): Promise<void> {
  const node = await run.cluster.get<Node>({ apiVersion: 'v1', kind: 'Node', name });
  if (!node) return say('[prune] No Node object: nothing to drain');
  await setUnschedulable(run.cluster, node, true);
  const drainer = new Drainer(run.cluster, PRUNE_DRAIN, { out: (line) => say(`[drain] ${line}`), err: (line) => say(`[drain] ${line}`) });
  try {
    await drainer.drain(name);
  } finally {
    drainer.close();
  }
  say('[prune] Cordoned and drained');
}

/** The etcd members, as join finds them (the etcd Pods' advertise-client-urls), but the leaving node's own. */
async function removeEtcdMember(run: PruneRun, name: string, say: (line: string) => void): Promise<void> {
  const pods = await run.cluster.list<KubeObject & { spec?: { nodeName?: string } }>('v1', 'Pod', {
    namespace: 'kube-system',
    labelSelector: 'component=etcd,tier=control-plane',
  });
  const endpoints = pods.filter((p) => p.spec?.nodeName !== name).flatMap((p) => p.metadata.annotations?.[ETCD_ADVERTISE_CLIENT_URLS_ANNOTATION] ?? []);
  if (!endpoints.length) return say('[etcd] No stacked etcd member answers for the cluster (external etcd?): no member to remove');
  const read = async (file: string) => {
    const data = await run.leader.readFile(`${run.certificatesDir}/${file}`);
    if (!data) throw new UserError(`${run.certificatesDir}/${file} is missing on the control-plane host that stays: cannot reach etcd`);
    return data;
  };
  const [ca, cert, key] = await Promise.all([read('etcd/ca.crt'), read('etcd/healthcheck-client.crt'), read('etcd/healthcheck-client.key')]);
  const etcd = run.etcd(endpoints, { ca, cert, key });
  const member = (await etcd.memberList()).find((m) => m.name === name);
  if (!member) return say(`[etcd] No etcd member is named ${name}: nothing to remove`);
  const left = await etcd.memberRemove(member.id);
  say(`[etcd] Removed etcd member ${hexId(member.id)}; ${left.length} member(s) left`);
}

/** kubeadm reset's cleaning, on the machine: the kubelet stopped, then its files and etcd's data gone. */
async function cleanMachine(node: Host, say: (line: string) => void): Promise<void> {
  await node.exec('systemctl', ['stop', 'kubelet'], { check: false });
  for (const dir of [KUBERNETES_DIR, KUBELET_DIR, DEFAULT_ETCD_DATA_DIR]) await node.remove(dir);
  say(`[reset] Stopped the kubelet; removed ${KUBERNETES_DIR}, ${KUBELET_DIR}, ${DEFAULT_ETCD_DATA_DIR}`);
}

async function deleteNode(cluster: Cluster, name: string): Promise<void> {
  try {
    await cluster.delete({ apiVersion: 'v1', kind: 'Node', name });
  } catch (err) {
    if (!(err instanceof ClusterError && err.code === 404)) throw err;
  }
}
