import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const certsPhase: Phase<InitContext> = {
  name: 'certs',
  description: 'Certificate generation',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
