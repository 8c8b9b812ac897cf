/** What a sandbox Node says about its node's kubelet, and the writes that make it say so. */
import type { Node } from '../kube/workloads.js';
import { KWOK_NODE_ANNOTATION } from './mirror.js';

/** kwok keeps a Node with this annotation value Ready; a stopped kubelet's Node gets another, so nothing heartbeats it. */
const MANAGED = 'fake';
const UNMANAGED = 'kubelet-stopped';

/** What a started kubelet reports: read from the node's files when it started. */
export interface Started {
  version: string;
  /** The binary it was started from (its real path, inode and mtime): a link the local inventory swaps counts as a restart. */
  binary: string;
}

type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastHeartbeatTime?: string };

export interface NodeWrite {
  /** A merge patch of the Node's status. */
  status?: object;
  /** kwok's annotation, when it changes. */
  annotation?: string;
  annotateFirst?: boolean;
  what: string;
}

/** The writes that make a Node say what its kubelet reports; undefined when it already does. */
export function nodeWrite(node: Node, started: Started | undefined, down: boolean): NodeWrite | undefined {
  const annotation = node.metadata.annotations?.[KWOK_NODE_ANNOTATION];
  if (annotation === undefined) return undefined; // not a sandbox kubelet's Node
  const conditions: Condition[] = node.status?.conditions ?? [];
  if (started) {
    const stale = node.status?.nodeInfo?.kubeletVersion !== started.version;
    if (!stale && annotation === MANAGED) return undefined;
    // The version first: when kwok makes the Node Ready again, it already reports its new kubelet.
    return {
      status: stale ? { status: { nodeInfo: { kubeletVersion: started.version } } } : undefined,
      annotation: annotation === MANAGED ? undefined : MANAGED,
      what: `reports kubelet ${started.version}${annotation === MANAGED ? '' : ', Ready again'}`,
    };
  }
  if (!down) return undefined;
  const ready = conditions.find((c) => c.type === 'Ready');
  if (annotation === UNMANAGED && ready?.status !== 'True') return undefined;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const notReady: Condition = {
    type: 'Ready',
    status: 'Unknown',
    reason: 'NodeStatusUnknown',
    message: 'Kubelet stopped posting node status.',
    lastTransitionTime: now,
    lastHeartbeatTime: ready?.lastHeartbeatTime ?? now,
  };
  return {
    // The whole list: a merge patch replaces it (kwok, which wrote the others, has let go of the Node by then).
    status: { status: { conditions: [...conditions.filter((c) => c.type !== 'Ready'), notReady] } },
    annotation: annotation === UNMANAGED ? undefined : UNMANAGED,
    annotateFirst: true,
    what: 'kubelet not running: NotReady',
  };
}
