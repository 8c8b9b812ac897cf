/**
 * The drain forecast of `bosun upgrade plan`: for the node phase that follows the control plane, node by node in
 * the roll's batches, which pods a drain evicts, which PodDisruptionBudgets hold them back (what each allows now,
 * and what is left of it after the earlier nodes of the same batch), which pods no drain takes without
 * `--force` or `--delete-emptydir-data`, and whether the nodes that stay schedulable have room for the evicted
 * pods. Pure: the drain domain decides, this only arranges its answers per node.
 */
import { budgetVerdict, forecastBudgets } from '../../drain/planner/budget.js';
import { checkCapacity } from '../../drain/planner/capacity.js';
import { DEFAULT_DRAIN_OPTIONS, hasLocalStorage, type DrainOptions } from '../../drain/planner/filters.js';
import { planNode } from '../../drain/planner/plan.js';
import { controllerOf, podName, type Node, type Pod, type PodDisruptionBudget } from '../../kube/workloads.js';
import { planRoll, type MaxUnavailable } from '../../roll/plan.js';

/** A roll leaves DaemonSet pods in place (`kubectl drain --ignore-daemonsets`, as the upgrade guides do). */
const FORECAST_DRAIN_OPTIONS: DrainOptions = { ...DEFAULT_DRAIN_OPTIONS, ignoreDaemonSets: true };

export interface BudgetOutlook {
  pdb: string;
  /** This node's pods under the budget. */
  pods: string[];
  disruptionsAllowed: number;
  /** What is left once the earlier nodes of the batch have evicted their pods under it. */
  afterEarlierNodes: number;
  /** Evictions that wait for a replacement to become healthy first. */
  waits: number;
  /** Set when the budget never lets these pods go: the drain cannot finish. */
  blocker?: string;
}

export interface NodeForecast {
  node: string;
  evicts: string[];
  budgets: BudgetOutlook[];
  /** Pods no drain evicts without these flags: no controller (`--force`), emptyDir data (`--delete-emptydir-data`). */
  needsForce: string[];
  needsDeleteEmptyDirData: string[];
}

export interface BatchForecast {
  nodes: NodeForecast[];
  /** Whether the other schedulable nodes can take the batch's evicted pods (requests against allocatable). */
  capacity: { fits: boolean; summary: string };
}

export interface DrainForecast {
  /** The kubelet version the nodes go to. */
  target: string;
  batches: BatchForecast[];
  skipped: Array<{ node: string; reason: string }>;
}

export interface ForecastInput {
  target: string;
  nodes: Node[];
  pods: Pod[];
  pdbs: PodDisruptionBudget[];
  /** Existing DaemonSets as `namespace/name`. */
  daemonSets: Set<string>;
  maxUnavailable: MaxUnavailable;
  now: number;
}

/** A budget as it stands after `spent` earlier evictions under it. */
function spentBudget(pdb: PodDisruptionBudget, spent: number): PodDisruptionBudget {
  if (!spent) return pdb;
  return { ...pdb, status: { ...pdb.status, disruptionsAllowed: Math.max(0, (pdb.status?.disruptionsAllowed ?? 0) - spent) } };
}

function forecastNode(node: string, input: ForecastInput, spent: Map<PodDisruptionBudget, number>): { forecast: NodeForecast; evicted: Pod[] } {
  const plan = planNode(node, input.pods, { daemonSets: input.daemonSets, options: FORECAST_DRAIN_OPTIONS, now: input.now });
  const evicted = plan.decisions.filter((d) => d.delete).map((d) => d.pod);
  const refused = plan.decisions.filter((d) => d.reason === 'error').map((d) => d.pod);
  const adjusted = input.pdbs.map((pdb) => spentBudget(pdb, spent.get(pdb) ?? 0));
  const original = new Map(adjusted.map((a, i) => [a, input.pdbs[i]]));
  const byName = new Map(input.pdbs.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const budgets = forecastBudgets(evicted, adjusted).map((b): BudgetOutlook => ({
    pdb: b.pdb,
    pods: b.pods,
    disruptionsAllowed: Math.max(0, byName.get(b.pdb)?.status?.disruptionsAllowed ?? 0),
    afterEarlierNodes: b.disruptionsAllowed,
    waits: Number.isFinite(b.rounds) ? Math.max(0, b.pods.length - b.disruptionsAllowed) : b.pods.length,
    ...(b.blocker && { blocker: b.blocker }),
  }));
  for (const pod of evicted) {
    const verdict = budgetVerdict(pod, adjusted);
    if (verdict.kind === 'budget') {
      const pdb = original.get(verdict.pdb)!;
      spent.set(pdb, (spent.get(pdb) ?? 0) + 1);
    }
  }
  return {
    forecast: {
      node,
      evicts: evicted.map(podName),
      budgets,
      needsForce: refused.filter((p) => !controllerOf(p)).map(podName),
      needsDeleteEmptyDirData: refused.filter(hasLocalStorage).map(podName),
    },
    evicted,
  };
}

export function forecastDrains(input: ForecastInput): DrainForecast {
  const roll = planRoll({ nodes: input.nodes, target: input.target, maxUnavailable: input.maxUnavailable, order: 'name', executorFor: () => 'local' });
  const batches = roll.batches.map((batch): BatchForecast => {
    const spent = new Map<PodDisruptionBudget, number>();
    const nodes = batch.map((node) => forecastNode(node, input, spent));
    const capacity = checkCapacity(
      nodes.flatMap((n) => n.evicted),
      input.pods,
      input.nodes,
      new Set(batch),
    );
    return { nodes: nodes.map((n) => n.forecast), capacity: { fits: capacity.fits, summary: capacity.summary } };
  });
  return { target: input.target, batches, skipped: roll.skipped };
}
