import type { Node } from '../../kube/workloads.js';
import { UserError } from '../../errors.js';
import type { PhaseIO } from '../../workflow/phase.js';
import type { JoinContext } from './context.js';

const checked = new WeakMap<JoinContext, Promise<void>>();

export function nodeName(ctx: JoinContext): string {
  return ctx.cfg.join.nodeRegistration.name ?? '';
}

/**
 * A Ready Node with this name means another machine already joined under it: joining again would take over its
 * identity (kubeadm refuses too). Asked with the bootstrap token (kubeadm:get-nodes); once per run. Not asked when the
 * machine finishes its own interrupted join: the Node may be its own.
 */
export function refuseRegisteredNode(ctx: JoinContext, io: PhaseIO): Promise<void> {
  if (ctx.options.rejoin) return Promise.resolve();
  let done = checked.get(ctx);
  if (!done) {
    done = (async () => {
      const cluster = await ctx.bootstrapCluster(io);
      const name = nodeName(ctx);
      const node = await cluster.get<Node>({ apiVersion: 'v1', kind: 'Node', name });
      const ready = node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      if (ready) {
        throw new UserError(
          `a Node named "${name}" is already registered and Ready in the cluster: delete that Node first ` +
            '(kubectl delete node), or join this machine under another name (--node-name)',
        );
      }
    })();
    done.catch(() => checked.delete(ctx));
    checked.set(ctx, done);
  }
  return done;
}
