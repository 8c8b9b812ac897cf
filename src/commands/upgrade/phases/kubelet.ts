import type { Phase } from '../../../workflow/phase.js';
import type { UpgradeContext } from '../context.js';

/** The node-side kubelet swap: the installer's Host step, then a restart so the kubelet runs the new binary and config. */
export const kubeletPhase: Phase<UpgradeContext> = {
  name: 'kubelet',
  description: 'Replace the kubelet with the target version and restart it',
  help:
    'Installs the kubelet of the cluster\'s version with the chosen Host step (--kubelet-install: package = apt, dnf or yum ' +
    'on the node; none = the operator does it), then restarts the kubelet service (not with --rootfs or --dry-run).',
  phases: [
    {
      name: 'install',
      description: 'Install the kubelet of the target version',
      run: async (ctx, io) => {
        const version = await ctx.target();
        io.log(`[upgrade/kubelet] ${ctx.kubelet.name}: ${ctx.kubelet.describe(version)}`);
        await ctx.kubelet.install(ctx.host, version, io.log);
      },
    },
    {
      name: 'restart',
      description: 'Restart the kubelet',
      run: async (ctx, io) => {
        io.log('[upgrade/kubelet] Restarting the kubelet');
        await ctx.host.service('kubelet').restart();
      },
    },
  ],
};
