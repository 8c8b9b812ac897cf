import type { Cluster } from '../../src/cluster/cluster.js';
import type { Pod, PodDisruptionBudget } from '../../src/kube/workloads.js';

/**
 * Records, from one watch of the apps' pods and one of their budgets, every eviction (the API marks an evicted pod
 * with a DisruptionTarget condition, reason EvictionByEvictionAPI) and the most evicted pods of an app ever waiting
 * for a Ready replacement at once: that must stay within the app's budget. Pods deleted otherwise (kwok removes
 * the odd fresh StatefulSet pod by name) are involuntary disruptions, which budgets do not govern.
 */
export function budgetWatcher(cluster: Cluster, apps: string[]) {
  const controller = new AbortController();
  const ready = new Set<string>();
  const evicted = new Set<string>();
  const evictions: Record<string, number> = Object.fromEntries(apps.map((a) => [a, 0]));
  const outstanding: Record<string, number> = Object.fromEntries(apps.map((a) => [a, 0]));
  const maxOutstanding: Record<string, number> = Object.fromEntries(apps.map((a) => [a, 0]));
  const minAllowed: Record<string, number> = {};
  let synced!: () => void;
  const listed = new Promise<void>((resolve) => (synced = resolve));
  const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const isEvicted = (p: Pod) =>
    (p.status?.conditions as Array<{ type: string; reason?: string }> | undefined)?.some(
      (c) => c.type === 'DisruptionTarget' && c.reason === 'EvictionByEvictionAPI',
    );
  const watching = Promise.all([
    cluster.watch<Pod>(
      'v1',
      'Pod',
      { namespace: 'default' },
      (e) => {
        if (e.type === 'LISTED') {
          for (const p of e.items) if (isReady(p)) ready.add(p.metadata.uid);
          return synced();
        }
        const p = e.object;
        const a = p.metadata.labels?.app ?? '';
        if (!apps.includes(a)) return;
        if (isEvicted(p) && !evicted.has(p.metadata.uid)) {
          evicted.add(p.metadata.uid);
          evictions[a]++;
          maxOutstanding[a] = Math.max(maxOutstanding[a], ++outstanding[a]);
        }
        if (isReady(p) && !p.metadata.deletionTimestamp && !ready.has(p.metadata.uid)) {
          ready.add(p.metadata.uid);
          outstanding[a] = Math.max(0, outstanding[a] - 1);
        }
      },
      controller.signal,
    ),
    cluster.watch<PodDisruptionBudget>(
      'policy/v1',
      'PodDisruptionBudget',
      { namespace: 'default' },
      (e) => {
        for (const p of e.type === 'LISTED' ? e.items : [e.object]) {
          minAllowed[p.metadata.name] = Math.min(minAllowed[p.metadata.name] ?? Infinity, p.status?.disruptionsAllowed ?? 0);
        }
      },
      controller.signal,
    ),
  ]);
  return {
    listed,
    evictions,
    maxOutstanding,
    minAllowed,
    async stop() {
      controller.abort();
      await watching;
    },
  };
}
