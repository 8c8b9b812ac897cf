import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const showJoinCommandPhase: Phase<InitContext> = {
  name: 'show-join-command',
  description: 'Show the join command for control-plane and worker node',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
