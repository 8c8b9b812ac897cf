import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const waitControlPlanePhase: Phase<InitContext> = {
  name: 'wait-control-plane',
  description: 'Wait for the control plane to start',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
