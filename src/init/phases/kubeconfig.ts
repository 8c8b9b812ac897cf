import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const kubeconfigPhase: Phase<InitContext> = {
  name: 'kubeconfig',
  description: 'Generate all kubeconfig files necessary to establish the control plane and the admin kubeconfig file',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
