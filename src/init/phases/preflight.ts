import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const preflightPhase: Phase<InitContext> = {
  name: 'preflight',
  description: 'Run pre-flight checks',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
