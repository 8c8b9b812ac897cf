import { ClusterError } from '../../../cluster/errors.js';
import type { Phase } from '../../../workflow/phase.js';
import type { ResetContext } from '../context.js';

export const deleteNodePhase: Phase<ResetContext> = {
  name: 'delete-node',
  description: 'Delete the Node object of this node (--delete-node)',
  help: 'Deletes the Node last, once the kubelet is stopped and its credentials gone, so nothing registers it again.',
  runIf: (ctx) => ctx.options.deleteNode,
  run: async (ctx, io) => {
    const name = (await ctx.node()).name!;
    try {
      await (await ctx.cluster()).delete({ apiVersion: 'v1', kind: 'Node', name });
      io.log(`[reset] Deleted Node ${name}`);
    } catch (err) {
      if (!(err instanceof ClusterError && err.code === 404)) throw err;
      io.log(`[reset] The cluster has no Node ${name}: nothing to delete`);
    }
  },
};
