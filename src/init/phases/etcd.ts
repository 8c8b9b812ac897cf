import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const etcdPhase: Phase<InitContext> = {
  name: 'etcd',
  description: 'Generate static Pod manifest file for local etcd',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
