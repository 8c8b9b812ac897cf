import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const kubeletFinalizePhase: Phase<InitContext> = {
  name: 'kubelet-finalize',
  description: 'Updates settings relevant to the kubelet after TLS bootstrap',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
