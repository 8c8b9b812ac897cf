import type { Host } from '../../../host/host.js';
import type { Log } from '../../../node/log.js';
import type { Phase } from '../../../workflow/phase.js';
import type { UpgradeContext } from '../context.js';
import type { KubeletInstaller } from '../kubelet.js';

/** The installer's Host step: the kubelet of `version` on the node. */
export async function installKubelet(host: Host, installer: KubeletInstaller, version: string, log: Log): Promise<void> {
  log(`[upgrade/kubelet] ${installer.name}: ${installer.describe(version)}`);
  await installer.install(host, version, log);
}

/** A restart, so the kubelet runs the new binary and configuration. */
export async function restartKubelet(host: Host, log: Log): Promise<void> {
  log('[upgrade/kubelet] Restarting the kubelet');
  await host.service('kubelet').restart();
}

/** The node-side kubelet swap: the installer's Host step, then a restart so the kubelet runs the new binary and config. */
export const kubeletPhase: Phase<UpgradeContext> = {
  name: 'kubelet',
  description: 'Replace the kubelet with the target version and restart it',
  help:
    "Installs the kubelet of the cluster's version with the chosen Host step (--kubelet-install: package = apt, dnf or yum " +
    'on the node; none = the operator does it), then restarts the kubelet service (not with --rootfs or --dry-run).',
  phases: [
    {
      name: 'install',
      description: 'Install the kubelet of the target version',
      run: async (ctx, io) => installKubelet(ctx.host, ctx.kubelet, await ctx.target(), io.log),
    },
    {
      name: 'restart',
      description: 'Restart the kubelet',
      run: (ctx, io) => restartKubelet(ctx.host, io.log),
    },
  ],
};
