import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const bootstrapTokenPhase: Phase<InitContext> = {
  name: 'bootstrap-token',
  description: 'Generates bootstrap tokens used to join a node to a cluster',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
