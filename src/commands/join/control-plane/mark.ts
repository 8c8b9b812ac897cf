import { markControlPlane } from '../../../node/mark-control-plane.js';
import type { PhaseIO } from '../../../workflow/phase.js';
import type { JoinContext } from '../context.js';

/** The marking init does, with the cluster's configuration and this node's admin.conf. */
export async function mark(ctx: JoinContext, io: PhaseIO): Promise<void> {
  const cfg = await ctx.clusterConfig(io);
  await markControlPlane(cfg, () => ctx.adminCluster(), io.log);
}
