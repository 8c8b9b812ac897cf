/**
 * A drain forecast from what the API holds, without changing anything: per pod what a drain does with it and
 * why, kubectl's refusals, the PodDisruptionBudgets it will wait on and whether the rest of the cluster has
 * room. Pure: `bosun drain --dry-run`, `upgrade nodes` before each batch and `upgrade plan` all call it.
 */
import { budgetVerdict, describeBudget, forecastBudgets, MULTIPLE_BUDGETS, type BudgetForecast } from './budget.js';
import { checkCapacity, type CapacityCheck } from './capacity.js';
import { drainErrors, drainWarnings, filterPods, type DrainOptions, type PodDecision } from './filters.js';
import { podName, type Node, type Pod, type PodDisruptionBudget } from '../../kube/workloads.js';

export interface DrainPlanInput {
  /** The nodes drained together (one node, or a batch of a roll). */
  nodes: string[];
  /** Every pod of the cluster (pods elsewhere count for capacity); selected by `--pod-selector` already. */
  pods: Pod[];
  pdbs: PodDisruptionBudget[];
  /** Existing DaemonSets as `namespace/name`. */
  daemonSets: Set<string>;
  /** Every Node, for the capacity check. */
  clusterNodes: Node[];
  options: DrainOptions;
  now: number;
}

export type PodAction = 'evict' | 'delete' | 'skip' | 'refuse';

export interface PodPlan {
  pod: string;
  node: string;
  action: PodAction;
  /** Why: the filter's message, the budget it waits on, or what refuses it. */
  reason?: string;
  /** The PodDisruptionBudget it is evicted under, if any. */
  budget?: string;
}

export interface NodeDrainPlan {
  node: string;
  decisions: PodDecision[];
  /** kubectl's fatal errors: non-empty means kubectl refuses to drain this node. */
  errors: string[];
  /** kubectl's warning line, '' when none. */
  warnings: string;
}

export interface DrainPlan {
  nodes: NodeDrainPlan[];
  pods: PodPlan[];
  budgets: BudgetForecast[];
  capacity: CapacityCheck;
  /** What makes the drain fail: refusals, pods under several budgets, budgets that never allow an eviction. */
  blockers: string[];
}

/** The filters' decisions for one node's pods. */
export function planNode(node: string, pods: Pod[], input: Pick<DrainPlanInput, 'daemonSets' | 'options' | 'now'>): NodeDrainPlan {
  const decisions = filterPods(
    pods.filter((p) => p.spec.nodeName === node),
    input.options,
    {
      daemonSetExists: (namespace, name) => input.daemonSets.has(`${namespace}/${name}`),
      now: input.now,
    },
  );
  return { node, decisions, errors: drainErrors(decisions), warnings: drainWarnings(decisions) };
}

function podPlan(node: string, d: PodDecision, pdbs: PodDisruptionBudget[], options: DrainOptions): PodPlan {
  const pod = podName(d.pod);
  if (!d.delete) return { pod, node, action: d.reason === 'error' ? 'refuse' : 'skip', reason: d.message ?? (d.filter === 'mirror' ? 'mirror pod' : d.filter) };
  if (options.disableEviction) return { pod, node, action: 'delete', reason: d.message };
  const verdict = budgetVerdict(d.pod, pdbs);
  if (verdict.kind === 'multiple') return { pod, node, action: 'refuse', reason: MULTIPLE_BUDGETS };
  if (verdict.kind === 'budget')
    return { pod, node, action: 'evict', reason: describeBudget(verdict.pdb), budget: `${verdict.pdb.metadata.namespace}/${verdict.pdb.metadata.name}` };
  return { pod, node, action: 'evict', reason: d.message };
}

export function planDrain(input: DrainPlanInput): DrainPlan {
  const nodes = input.nodes.map((node) => planNode(node, input.pods, input));
  const pods = nodes.flatMap((n) => n.decisions.map((d) => podPlan(n.node, d, input.pdbs, input.options)));
  const evicted = nodes.flatMap((n) => n.decisions.filter((d) => d.delete).map((d) => d.pod));
  const budgets = input.options.disableEviction ? [] : forecastBudgets(evicted, input.pdbs);
  const capacity = checkCapacity(evicted, input.pods, input.clusterNodes, new Set(input.nodes));
  const blockers = [
    ...nodes.flatMap((n) => n.errors.map((e) => `node ${n.node}: ${e}`)),
    ...pods.filter((p) => p.action === 'refuse' && p.reason === MULTIPLE_BUDGETS).map((p) => `pod ${p.pod}: ${MULTIPLE_BUDGETS}`),
    ...budgets.filter((b) => b.blocker).map((b) => `${b.blocker}: ${b.pods.join(', ')}`),
  ];
  return { nodes, pods, budgets, capacity, blockers };
}
