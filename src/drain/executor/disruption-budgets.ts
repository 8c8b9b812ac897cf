import type { Cluster } from '../../cluster/cluster.js';
import { budgetName, describeBudget } from '../planner/budget.js';
import type { Pod, PodDisruptionBudget } from '../../kube/workloads.js';
import { Informer } from './informer.js';
import type { NodeRun } from './node-run.js';

/** A budget that has not changed for this long is tried again anyway: the API server has the last word. */
const BUDGET_RECHECK_MS = 10_000;

/**
 * Every PodDisruptionBudget, watched, and the disruptions each still allows as the evictions in flight spend
 * them: one for all the nodes a Drainer drains, so a batch's evictions wait on a budget instead of retrying it.
 */
export class DisruptionBudgets {
  private readonly budgets: Informer<PodDisruptionBudget>;
  /** Disruptions each budget still allows as last seen, by budget and its resourceVersion. */
  private readonly tokens = new Map<string, { version?: string; left: number }>();

  constructor(cluster: Cluster) {
    this.budgets = new Informer<PodDisruptionBudget>(cluster, 'policy/v1', 'PodDisruptionBudget');
  }

  /** Resolves once the first list is in. */
  get synced(): Promise<void> {
    return this.budgets.synced;
  }

  values(): PodDisruptionBudget[] {
    return this.budgets.values();
  }

  close(): void {
    this.budgets.close();
  }

  /**
   * Waits until the budget, as last seen, has a disruption to spare and takes it. A budget that stays the same
   * for a while is tried anyway: the informer may lag, and the API server decides.
   */
  async take(pod: Pod, pdb: PodDisruptionBudget, run: NodeRun): Promise<void> {
    const key = budgetName(pdb);
    const take = () => {
      const seen = this.budgets.get(pdb.metadata.namespace, pdb.metadata.name);
      if (!seen) return true;
      const state = this.tokens.get(key);
      if (state?.version !== seen.metadata.resourceVersion) {
        this.tokens.set(key, { version: seen.metadata.resourceVersion, left: seen.status?.disruptionsAllowed ?? 0 });
      }
      const tokens = this.tokens.get(key)!;
      if (tokens.left <= 0) {
        const spent = (seen.status?.disruptionsAllowed ?? 0) > 0 ? ', all taken by evictions in flight' : '';
        run.wait(pod, { kind: 'budget', detail: `${describeBudget(seen)}${spent}` });
        return false;
      }
      tokens.left--;
      return true;
    };
    const recheck = AbortSignal.any([run.signal, AbortSignal.timeout(BUDGET_RECHECK_MS)]);
    try {
      await this.budgets.until(take, recheck);
    } catch (err) {
      if (run.signal.aborted) throw run.signal.reason;
      if (!recheck.aborted) throw err;
    }
  }

  /** After a 429 the budget seen is stale: nothing more to take from it until it changes. */
  spend(pdb: PodDisruptionBudget): void {
    const state = this.tokens.get(budgetName(pdb));
    if (state) state.left = 0;
  }
}
