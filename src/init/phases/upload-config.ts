import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const uploadConfigPhase: Phase<InitContext> = {
  name: 'upload-config',
  description: 'Upload the kubeadm and kubelet configuration to a ConfigMap',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
