/** The node roll's journal, read from the cluster as `bosun upgrade nodes` keeps it (the ConfigMap kube-system/bosun-node-roll). */
import type { Cluster, KubeObject } from '../../src/cluster/cluster.js';
import type { RollJournal } from '../../src/roll/journal/journal.js';

/** The roll's journal as its ConfigMap in kube-system holds it; undefined before any roll. */
export async function readJournal(cluster: Cluster): Promise<RollJournal | undefined> {
  const cm = await cluster.get<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: 'kube-system',
    name: 'bosun-node-roll',
  });
  return cm?.data?.['journal.json'] ? (JSON.parse(cm.data['journal.json']) as RollJournal) : undefined;
}

/** Resolves with the journal once `check` holds, watching its ConfigMap. */
export function waitJournal(cluster: Cluster, check: (j: RollJournal) => boolean, timeoutMs = 120_000): Promise<RollJournal> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  return new Promise((resolve, reject) => {
    const see = (obj: KubeObject & { data?: Record<string, string> }) => {
      const text = obj.data?.['journal.json'];
      const j = text ? (JSON.parse(text) as RollJournal) : undefined;
      if (j && check(j) && !controller.signal.aborted) {
        clearTimeout(timer);
        controller.abort();
        resolve(j);
      }
    };
    cluster
      .watch<KubeObject & { data?: Record<string, string> }>(
        'v1',
        'ConfigMap',
        { namespace: 'kube-system', fieldSelector: 'metadata.name=bosun-node-roll' },
        (e) => {
          for (const obj of e.type === 'LISTED' ? e.items : e.type === 'DELETED' ? [] : [e.object]) see(obj);
        },
        controller.signal,
      )
      .then(() => reject(new Error('timed out waiting for the journal')), reject);
  });
}
