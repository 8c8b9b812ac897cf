/**
 * PodDisruptionBudget accounting for evictions, with the API server's rules (pkg/registry/core/pod/storage/
 * eviction.go): a pod with more than one budget cannot be evicted at all; a budget with no disruption left
 * answers 429 until its pods are healthy again; a budget that can never allow one blocks a drain for good.
 */
import { selectorMatches } from './selector.js';
import { isPodReady, podName, type Pod, type PodDisruptionBudget } from '../../kube/workloads.js';

export const budgetName = (pdb: PodDisruptionBudget): string => `${pdb.metadata.namespace}/${pdb.metadata.name}`;

/** The budgets that cover a pod: same namespace, selector matching its labels. */
export function budgetsOf(pod: Pod, pdbs: PodDisruptionBudget[]): PodDisruptionBudget[] {
  return pdbs.filter((pdb) => pdb.metadata.namespace === pod.metadata.namespace && selectorMatches(pdb.spec.selector, pod.metadata.labels));
}

/** Whether the disruption controller has caught up with the budget's spec (else the API answers 429, retry in 10s). */
export const isObserved = (pdb: PodDisruptionBudget): boolean =>
  pdb.status?.observedGeneration !== undefined && pdb.status.observedGeneration >= (pdb.metadata.generation ?? 0);

/** Disruptions the budget allows when every pod it covers is healthy: 0 or less means never. */
export const disruptionsWhenHealthy = (pdb: PodDisruptionBudget): number => (pdb.status?.expectedPods ?? 0) - (pdb.status?.desiredHealthy ?? 0);

/** Whether the API lets this pod go without spending the budget (it is not Ready and the policy allows that). */
export function evictableWhileUnhealthy(pod: Pod, pdb: PodDisruptionBudget): boolean {
  if (isPodReady(pod)) return false;
  if (pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  return (pdb.status?.currentHealthy ?? 0) >= (pdb.status?.desiredHealthy ?? 0);
}

/** Why a budget holds a pod back, as a person reads it. */
export function describeBudget(pdb: PodDisruptionBudget): string {
  const s = pdb.status ?? {};
  if (!isObserved(pdb)) return `PodDisruptionBudget ${budgetName(pdb)} is not yet observed by the disruption controller`;
  // The controller counts a pod it saw evicted as unavailable for up to two minutes (by name: a StatefulSet's new
  // pod of the same name too), so name them.
  const disrupted = Object.entries(s.disruptedPods ?? {}).map(([pod, at]) => `${pod} since ${at}`);
  return (
    `PodDisruptionBudget ${budgetName(pdb)} allows ${s.disruptionsAllowed ?? 0} disruption(s) ` +
    `(needs ${s.desiredHealthy ?? 0} healthy, has ${s.currentHealthy ?? 0} of ${s.expectedPods ?? 0}` +
    `${disrupted.length ? `; counted as evicted: ${disrupted.join(', ')}` : ''})`
  );
}

/** What stands between a pod and its eviction. */
export type BudgetVerdict = { kind: 'free' } | { kind: 'budget'; pdb: PodDisruptionBudget } | { kind: 'multiple'; pdbs: PodDisruptionBudget[] };

export function budgetVerdict(pod: Pod, pdbs: PodDisruptionBudget[]): BudgetVerdict {
  const covering = budgetsOf(pod, pdbs);
  if (covering.length > 1) return { kind: 'multiple', pdbs: covering };
  if (covering.length === 0 || evictableWhileUnhealthy(pod, covering[0])) return { kind: 'free' };
  return { kind: 'budget', pdb: covering[0] };
}

export const MULTIPLE_BUDGETS = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

/** One budget's outlook for the pods a drain (or a batch of drains) evicts. */
export interface BudgetForecast {
  pdb: string;
  /** Pods of the drain it covers. */
  pods: string[];
  disruptionsAllowed: number;
  /** Disruptions it allows once its pods are healthy again. */
  perRound: number;
  /** Evictions one after another, each waiting for a replacement to become healthy (0 when none wait). */
  rounds: number;
  /** Set when the budget never lets these pods go: the drain cannot finish. */
  blocker?: string;
}

/** Per budget: how many waits the eviction of `pods` takes, and whether it can finish at all. */
export function forecastBudgets(pods: Pod[], pdbs: PodDisruptionBudget[]): BudgetForecast[] {
  const byBudget = new Map<PodDisruptionBudget, Pod[]>();
  for (const pod of pods) {
    const verdict = budgetVerdict(pod, pdbs);
    if (verdict.kind === 'budget') byBudget.set(verdict.pdb, [...(byBudget.get(verdict.pdb) ?? []), pod]);
  }
  return [...byBudget].map(([pdb, covered]) => {
    const allowed = Math.max(0, pdb.status?.disruptionsAllowed ?? 0);
    const perRound = disruptionsWhenHealthy(pdb);
    const names = covered.map(podName);
    if (perRound <= 0 && isObserved(pdb)) {
      return {
        pdb: budgetName(pdb),
        pods: names,
        disruptionsAllowed: allowed,
        perRound: 0,
        rounds: Infinity,
        blocker: `${describeBudget(pdb)}: it never allows an eviction while it needs every pod it covers`,
      };
    }
    const afterFirst = Math.max(0, covered.length - allowed);
    return { pdb: budgetName(pdb), pods: names, disruptionsAllowed: allowed, perRound, rounds: Math.ceil(afterFirst / Math.max(1, perRound)) };
  });
}
