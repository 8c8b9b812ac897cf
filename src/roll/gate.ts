/**
 * The health gate between batches: every Node Ready and no failing Pod that was not failing before the roll.
 * `evaluateHealth` is pure; `waitHealthy` re-checks until healthy or out of time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../cluster/cluster.js';
import type { Informer } from '../drain/executor/informer.js';
import { isNodeReady, podName, type Node, type Pod } from '../kube/workloads.js';

const FAILING_WAIT_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
  'RunContainerError',
]);

/** Why a pod counts as failing (Failed, a container that cannot run, unschedulable), or undefined. */
export function failingReason(pod: Pod): string | undefined {
  if (pod.status?.phase === 'Failed') return 'Failed';
  const waiting = (pod.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason).find((r) => r && FAILING_WAIT_REASONS.has(r));
  if (waiting) return waiting;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (pod.status?.phase === 'Pending' && scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') return 'Unschedulable';
  return undefined;
}

export interface HealthBaseline {
  notReadyNodes: string[];
  /** uids of pods failing before the roll. */
  failingPods: string[];
}

export function healthBaseline(nodes: Node[], pods: Pod[]): HealthBaseline {
  return {
    notReadyNodes: nodes.filter((n) => !isNodeReady(n)).map((n) => n.metadata.name),
    failingPods: pods.filter((p) => failingReason(p) && !p.metadata.deletionTimestamp).map((p) => p.metadata.uid),
  };
}

/** What is unhealthy now that was not before the roll; empty when the gate passes. */
export function evaluateHealth(nodes: Node[], pods: Pod[], baseline: HealthBaseline): string[] {
  const problems = nodes.filter((n) => !isNodeReady(n) && !baseline.notReadyNodes.includes(n.metadata.name)).map((n) => `node ${n.metadata.name} is not Ready`);
  const before = new Set(baseline.failingPods);
  for (const pod of pods) {
    const reason = failingReason(pod);
    if (reason && !pod.metadata.deletionTimestamp && !before.has(pod.metadata.uid)) problems.push(`pod ${podName(pod)} is ${reason}`);
  }
  return problems;
}

/**
 * Re-checks (1 s, then backing off to 5 s) until healthy, returning the pods it last listed; throws the last
 * problems once `timeoutMs` is over.
 */
export async function waitHealthy(
  cluster: Cluster,
  nodes: Informer<Node>,
  baseline: HealthBaseline,
  timeoutMs: number,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<Pod[]> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1000;
  let reported = '';
  for (;;) {
    const pods = await cluster.list<Pod>('v1', 'Pod');
    const problems = evaluateHealth(nodes.values(), pods, baseline);
    if (!problems.length) return pods;
    const text = problems.slice(0, 10).join('; ') + (problems.length > 10 ? `; and ${problems.length - 10} more` : '');
    if (Date.now() >= deadline) throw new Error(`not healthy after ${timeoutMs / 1000}s: ${text}`);
    if (text !== reported) log(`health gate waiting: ${text}`);
    reported = text;
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), undefined, { signal });
    delay = Math.min(delay * 2, 5000);
  }
}
