import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const controlPlanePhase: Phase<InitContext> = {
  name: 'control-plane',
  description: 'Generate all static Pod manifest files necessary to establish the control plane',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
