import type { Phase } from '../../../workflow/phase.js';
import type { JoinContext } from '../context.js';
import { controlPlaneOnly } from '../control-plane-only.js';

export const waitControlPlanePhase: Phase<JoinContext> = {
  name: 'wait-control-plane',
  description: 'Wait for the control plane to start',
  help: "Waits (timeouts.controlPlaneComponentHealthCheck) for this node's API server /livez and /readyz, controller-manager /healthz and scheduler /livez.",
  run: controlPlaneOnly('wait-control-plane', async () => (await import('../control-plane/wait.js')).waitControlPlane),
};
