import type { Node } from '../../../kube/workloads.js';
import { ClusterError } from '../../../cluster/errors.js';
import { DEFAULTS } from '../../../config/defaults.js';
import { durationMs } from '../../../config/duration.js';
import type { Taint } from '../../../config/types.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';
import { CONTROL_PLANE_LABEL, CONTROL_PLANE_TAINT, EXCLUDE_FROM_EXTERNAL_LB_LABEL } from '../../../kube/labels.js';

const CONTROL_PLANE_LABELS = [CONTROL_PLANE_LABEL, EXCLUDE_FROM_EXTERNAL_LB_LABEL];
const DEFAULT_TAINTS: Taint[] = [CONTROL_PLANE_TAINT];
/** Tries when the Node changed between read and write (its taints are one atomic list, written with a precondition). */
const ATTEMPTS = 5;

const taintText = (t: Taint) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
const sameTaint = (a: Taint, b: Taint) => a.key === b.key && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect;

/** The node's taints after marking: ours first, then the ones it already had (as kubeadm merges them). */
export function mergeTaints(ours: Taint[], existing: Taint[]): Taint[] {
  return [...ours, ...existing.filter((t) => !ours.some((o) => sameTaint(o, t)))];
}

export async function markControlPlane(ctx: Pick<InitContext, 'cfg' | 'cluster'>, io: PhaseIO): Promise<void> {
  const name = ctx.cfg.init.nodeRegistration.name ?? '';
  const taints = ctx.cfg.init.nodeRegistration.taints ?? DEFAULT_TAINTS;
  io.log(`[mark-control-plane] Marking the node ${name} as control-plane by adding the labels: [${CONTROL_PLANE_LABELS.join(' ')}]`);
  if (taints.length) io.log(`[mark-control-plane] Marking the node ${name} as control-plane by adding the taints [${taints.map(taintText).join(' ')}]`);
  const cluster = await ctx.cluster();
  const ref = { apiVersion: 'v1', kind: 'Node', name };
  // The kubelet (or the sandbox's runner) registers the Node; it may not be there yet.
  const timeout = durationMs(ctx.cfg.init.timeouts?.kubernetesAPICall ?? DEFAULTS.timeouts.kubernetesAPICall);
  let node = await cluster.watchUntil<Node>(ref, (n) => n !== undefined, timeout);
  for (let attempt = 1; ; attempt++) {
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
      if (!(err instanceof ClusterError && err.code === 409 && attempt < ATTEMPTS)) throw err;
      node = await cluster.get<Node>(ref);
    }
  }
}

export const markControlPlanePhase: Phase<InitContext> = {
  name: 'mark-control-plane',
  description: 'Mark a node as a control-plane',
  help: `Waits for the Node to be registered, then labels it ${CONTROL_PLANE_LABEL} and ${EXCLUDE_FROM_EXTERNAL_LB_LABEL} and adds nodeRegistration.taints.`,
  run: markControlPlane,
};
