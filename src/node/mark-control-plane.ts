/** Marks a Node as a control-plane node, as kubeadm does on `init` and on a joining control plane: labels and taints. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, KubeObject } from '../cluster/cluster.js';
import { ClusterError } from '../cluster/errors.js';
import { DEFAULTS } from '../config/defaults.js';
import { durationMs } from '../config/duration.js';
import type { InitConfig, Taint } from '../config/types.js';
import { CONTROL_PLANE_LABEL, CONTROL_PLANE_TAINT, EXCLUDE_FROM_EXTERNAL_LB_LABEL } from '../kube/labels.js';
import type { Log } from './log.js';

const CONTROL_PLANE_LABELS = [CONTROL_PLANE_LABEL, EXCLUDE_FROM_EXTERNAL_LB_LABEL];
const DEFAULT_TAINTS: Taint[] = [CONTROL_PLANE_TAINT];
/**
 * When the Node changed between read and write (its taints are one atomic list, written with a precondition), read
 * again after this pause, until the API call timeout: kubeadm's PatchNode polls the same way (APICallRetryInterval);
 * a busy node's status updates can win several quick retries in a row.
 */
const CONFLICT_RETRY_MS = 500;

interface Node extends KubeObject {
  spec?: { taints?: Taint[] };
}

const taintText = (t: Taint) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
const sameTaint = (a: Taint, b: Taint) => a.key === b.key && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect;

/** The node's taints after marking: ours first, then the ones it already had (as kubeadm merges them). */
export function mergeTaints(ours: Taint[], existing: Taint[]): Taint[] {
  return [...ours, ...existing.filter((t) => !ours.some((o) => sameTaint(o, t)))];
}

/**
 * Waits for the Node of `cfg`'s nodeRegistration to be registered, then labels it and adds its taints
 * (nodeRegistration.taints, else the control-plane taint) unless it has them already.
 */
export async function markControlPlane(cfg: InitConfig, connect: () => Promise<Cluster>, log: Log): Promise<void> {
  const name = cfg.init.nodeRegistration.name ?? '';
  const taints = cfg.init.nodeRegistration.taints ?? DEFAULT_TAINTS;
  log(`[mark-control-plane] Marking the node ${name} as control-plane by adding the labels: [${CONTROL_PLANE_LABELS.join(' ')}]`);
  if (taints.length) log(`[mark-control-plane] Marking the node ${name} as control-plane by adding the taints [${taints.map(taintText).join(' ')}]`);
  const cluster = await connect();
  const ref = { apiVersion: 'v1', kind: 'Node', name };
  // The kubelet (or the sandbox's runner) registers the Node; it may not be there yet.
  const timeout = durationMs(cfg.init.timeouts?.kubernetesAPICall ?? DEFAULTS.timeouts.kubernetesAPICall);
  let node = await cluster.watchUntil<Node>(ref, (n) => n !== undefined, timeout);
  const deadline = Date.now() + timeout;
  for (;;) {
    const labels = node?.metadata.labels ?? {};
    const existing = node?.spec?.taints ?? [];
    const labelled = CONTROL_PLANE_LABELS.every((label) => labels[label] === '');
    const tainted = taints.every((t) => existing.some((e) => sameTaint(e, t)));
    if (labelled && tainted) return;
    try {
      await cluster.apply<Node>(
        {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name, resourceVersion: node?.metadata.resourceVersion, labels: Object.fromEntries(CONTROL_PLANE_LABELS.map((l) => [l, ''])) },
          spec: { taints: mergeTaints(taints, existing) },
        },
        // The taint list is atomic and owned by whoever wrote it last (the kubelet, the node controller): take it over.
        { force: true },
      );
      return;
    } catch (err) {
      if (!(err instanceof ClusterError && err.code === 409 && Date.now() + CONFLICT_RETRY_MS < deadline)) throw err;
      await sleep(CONFLICT_RETRY_MS);
      node = await cluster.get<Node>(ref);
    }
  }
}
