import { UserError } from '../../../errors.js';
import type { Phase } from '../../../workflow/phase.js';
import type { ResetContext } from '../context.js';

/**
 * Asks before anything changes (unless --force), and reads what later steps need while the node still has it: its
 * name, its etcd member, and with --delete-node the kubeconfig (on a control-plane node, admin.conf goes with the
 * rest) and the Node, so a reset that could not delete it stops here.
 */
export const preflightPhase: Phase<ResetContext> = {
  name: 'preflight',
  description: 'Run reset pre-flight checks',
  run: async (ctx, io) => {
    if (!ctx.options.force) {
      io.log("[reset] WARNING: Changes made to this host by 'bosun init', 'bosun join' (or kubeadm's) will be reverted.");
      await ctx.confirm('[reset] Are you sure you want to proceed?');
    }
    io.log('[preflight] Running pre-flight checks');
    const node = await ctx.node();
    if (!ctx.options.deleteNode) return;
    if (!node.name)
      throw new UserError("--delete-node: cannot tell this node's name: /etc/kubernetes/kubelet.conf is missing or names no node; pass --node-name");
    const cluster = await ctx.cluster();
    const found = await cluster.get({ apiVersion: 'v1', kind: 'Node', name: node.name });
    io.log(found ? `[preflight] Node ${node.name} will be deleted from the cluster` : `[preflight] The cluster has no Node ${node.name}: nothing to delete`);
  },
};
