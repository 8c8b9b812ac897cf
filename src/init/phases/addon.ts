import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

export const addonPhase: Phase<InitContext> = {
  name: 'addon',
  description: 'Install required addons for passing conformance tests',
  run: async () => {
    throw new Error('not implemented yet');
  },
};
