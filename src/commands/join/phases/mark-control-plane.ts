import type { Phase } from '../../../workflow/phase.js';
import type { JoinContext } from '../context.js';
import { controlPlaneOnly } from '../control-plane-only.js';

export const markControlPlanePhase: Phase<JoinContext> = {
  name: 'mark-control-plane',
  description: 'Mark a node as a control-plane',
  help: "Waits for this node's Node, then adds the control-plane labels and nodeRegistration.taints (with admin.conf).",
  run: controlPlaneOnly('mark-control-plane', async () => (await import('../control-plane/mark.js')).mark),
};
