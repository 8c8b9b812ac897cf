import { markControlPlane } from '../../../node/mark-control-plane.js';
import type { Phase } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';
import { CONTROL_PLANE_LABEL, EXCLUDE_FROM_EXTERNAL_LB_LABEL } from '../../../kube/labels.js';

export const markControlPlanePhase: Phase<InitContext> = {
  name: 'mark-control-plane',
  description: 'Mark a node as a control-plane',
  help: `Waits for the Node to be registered, then labels it ${CONTROL_PLANE_LABEL} and ${EXCLUDE_FROM_EXTERNAL_LB_LABEL} and adds nodeRegistration.taints.`,
  run: (ctx, io) => markControlPlane(ctx.cfg, () => ctx.cluster(), io.log),
};
