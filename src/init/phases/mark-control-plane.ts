import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const markControlPlanePhase: Phase<InitContext> = {
  name: 'mark-control-plane',
  description: 'Mark a node as a control-plane',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
