/**
 * Ending a roll with `--abort`: no new nodes are started, and what the roll cordoned and did not release is
 * uncordoned (journaled as its uncordon step), so the cluster is left schedulable as it was before the roll.
 */
import type { Cluster } from '../cluster/cluster.js';
import { setUnschedulable } from '../drain/executor/cordon.js';
import type { Informer } from '../drain/executor/informer.js';
import type { Node } from '../kube/workloads.js';
import { cordonedNotReleased, finishStep, progress, startStep } from './journal/journal.js';
import type { JournalStore } from './journal/store.js';
import type { RollEvents } from './progress.js';

/** Set on a Node with its cordon, so anyone can see which roll cordoned it (and `--abort` can give it back). */
export const CORDONED_BY_ANNOTATION = 'upgrade.bosun.io/cordoned-by-roll';

/** Uncordons what the roll cordoned and did not release, and marks the journal aborted. */
export async function releaseAndAbort(cluster: Cluster, store: JournalStore, nodes: Informer<Node>, events: RollEvents, prefix: string): Promise<void> {
  const j = store.journal;
  await nodes.synced;
  const released: string[] = [];
  for (const record of cordonedNotReleased(j)) {
    const node = nodes.get(undefined, record.name);
    if (node) await setUnschedulable(cluster, node, false, { [CORDONED_BY_ANNOTATION]: null });
    const uncordon = record.steps.find((s) => s.name === 'uncordon')!;
    startStep(uncordon);
    finishStep(uncordon);
    released.push(record.name);
  }
  j.state = 'aborted';
  j.message = `aborted at ${j.abortRequestedAt}: ${progress(j)}${released.length ? `; uncordoned ${released.join(', ')}` : ''}`;
  await store.commit();
  events.log(`${prefix} ${j.message}`);
}
