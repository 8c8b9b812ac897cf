import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const uploadCertsPhase: Phase<InitContext> = {
  name: 'upload-certs',
  description: 'Upload certificates to kubeadm-certs',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
