import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const kubeletStartPhase: Phase<InitContext> = {
  name: 'kubelet-start',
  description: 'Write kubelet settings and (re)start the kubelet',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
