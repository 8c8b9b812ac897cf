import type { Cluster } from '../../cluster/cluster.js';
import type { Node } from '../../kube/workloads.js';

const nodeRef = (name: string) => ({ apiVersion: 'v1', kind: 'Node', name });

/**
 * Marks a node (un)schedulable as kubectl does: a merge patch of `spec.unschedulable` (true, or removed), only
 * when it changes. `annotations` ride along in the same patch, so a marker and the cordon are one write.
 * Returns whether the node changed; kubectl prints `node/x cordoned` or `node/x already cordoned`.
 */
export async function setUnschedulable(
  cluster: Cluster,
  node: Node,
  unschedulable: boolean,
  annotations: Record<string, string | null> = {},
): Promise<{ changed: boolean; node: Node }> {
  const changed = Boolean(node.spec?.unschedulable) !== unschedulable;
  const marks = Object.entries(annotations).filter(([k, v]) => (node.metadata.annotations?.[k] ?? null) !== v);
  if (!changed && marks.length === 0) return { changed, node };
  const patch = {
    ...(marks.length ? { metadata: { annotations: Object.fromEntries(marks) } } : {}),
    ...(changed ? { spec: { unschedulable: unschedulable ? true : null } } : {}),
  };
  return { changed, node: await cluster.patch<Node>(nodeRef(node.metadata.name), patch) };
}

/** kubectl's words for the outcome: `cordoned`, `already uncordoned`, … */
export const cordonVerb = (unschedulable: boolean, changed: boolean): string => `${changed ? '' : 'already '}${unschedulable ? 'cordoned' : 'uncordoned'}`;
