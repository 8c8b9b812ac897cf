/** The drain forecast a roll's --dry-run prints: what each batch's drain evicts, waits on and refuses, from the pods as they are now. */
import type { Cluster } from '../cluster/cluster.js';
import { planDrain } from '../drain/planner/plan.js';
import type { Node, Pod, PodDisruptionBudget } from '../kube/workloads.js';
import type { RollSettings } from './journal/journal.js';
import type { RollPlan } from './plan.js';

/** The drain forecast of the first batch, for --dry-run: what it evicts, waits on and refuses. */
export async function forecast(cluster: Cluster, plan: RollPlan, settings: RollSettings, nodes: Node[], prefix = '[upgrade/nodes]'): Promise<string> {
  const [pods, pdbs, daemonSets] = await Promise.all([
    cluster.list<Pod>('v1', 'Pod', { labelSelector: settings.drain.podSelector }),
    cluster.list<PodDisruptionBudget>('policy/v1', 'PodDisruptionBudget'),
    cluster.list('apps/v1', 'DaemonSet'),
  ]);
  const lines: string[] = [];
  for (const [i, batch] of plan.batches.entries()) {
    const drain = planDrain({
      nodes: batch,
      pods,
      pdbs,
      daemonSets: new Set(daemonSets.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)),
      clusterNodes: nodes,
      options: settings.drain,
      now: Date.now(),
    });
    const evicted = drain.pods.filter((p) => p.action === 'evict' || p.action === 'delete').length;
    const waits = drain.budgets.filter((b) => b.rounds > 0).map((b) => `${b.pdb} (${b.rounds} wait(s))`);
    lines.push(`  batch ${i + 1}: evicts ${evicted} pod(s)${waits.length ? `, waits on ${waits.join(', ')}` : ''}; ${drain.capacity.summary}`);
    for (const blocker of drain.blockers) lines.push(`    blocker: ${blocker}`);
  }
  return `${prefix} Drain forecast (from the pods as they are now):\n${lines.join('\n')}`;
}
