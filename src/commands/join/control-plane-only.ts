import type { PhaseIO } from '../../workflow/phase.js';
import { isControlPlane, type JoinContext } from './context.js';
import { refuseWindowsControlPlane } from './windows-node.js';

type Step = (ctx: JoinContext, io: PhaseIO) => Promise<void>;

/**
 * A step only a control-plane node takes: a worker logs that it skips it, and never loads its code (certificates,
 * manifests, etcd), so a worker's join starts and ends sooner. A Windows host never takes one.
 */
export function controlPlaneOnly(prefix: string, load: () => Promise<Step>): Step {
  return async (ctx, io) => {
    if (!isControlPlane(ctx)) {
      io.log(`[${prefix}] Skipping: this node joins as a worker (no --control-plane)`);
      return;
    }
    refuseWindowsControlPlane(ctx);
    await (
      await load()
    )(ctx, io);
  };
}
