import { UserError } from '../../errors.js';
import { KUBELET_PORT } from '../../manifests/ports.js';
import { kubeletBaseFlags } from '../../kubelet/flags.js';
import { fileAvailableCheck, portCheck, simple } from '../../node/preflight-checks.js';
import { windowsNodeChecks, windowsPreparedCheck } from '../../node/windows-preflight-checks.js';
import { powerShellHost, windowsMachineOf } from '../../node/windows-powershell.js';
import type { Check } from '../../workflow/checks.js';
import { isControlPlane, type JoinContext } from './context.js';
import { BOOTSTRAP_KUBELET_CONF, KUBELET_CONF } from './node-files.js';

/** Kubernetes runs no control plane on Windows: a control-plane join of a Windows host stops before anything changes. */
export function refuseWindowsControlPlane(ctx: Pick<JoinContext, 'cfg' | 'host'>): void {
  if (ctx.host.os !== 'windows' || !isControlPlane(ctx)) return;
  const name = ctx.cfg.join.nodeRegistration.name ?? 'this host';
  throw new UserError(
    `${name} runs Windows, and a Windows node cannot be a control-plane node (Kubernetes runs its control plane on Linux only): ` +
      'join it as a worker (without --control-plane, role: worker in the cluster file); nothing was changed',
  );
}

/**
 * The kubelet service of a Windows node runs a fixed command line (the node name its only node-specific flag, see
 * windows-scripts.ts), so flags kubeadm would put in kubeadm-flags.env beyond that (taints to register with,
 * kubeletExtraArgs) would not reach the kubelet: named here, before anything changes.
 */
export function windowsKubeletFlagsCheck(ctx: Pick<JoinContext, 'cfg'>, hostname: string): Check {
  return simple('WindowsKubeletFlags', () => {
    const nodeReg = ctx.cfg.join.nodeRegistration;
    const flags = [...kubeletBaseFlags(nodeReg, hostname, true), ...(nodeReg.kubeletExtraArgs ?? [])]
      .map((a) => a.name)
      .filter((name) => name !== 'hostname-override');
    if (!flags.length) return {};
    const list = [...new Set(flags)].map((f) => `--${f}`).join(', ');
    return {
      errors: [
        `${list}: nodeRegistration.taints and kubeletExtraArgs are not applied to a Windows node's kubelet service (its command line carries only the node name); remove them for this host`,
      ],
    };
  });
}

/**
 * A Windows worker's join checks: no kubelet files yet, the kubelet's port free, the machine fit for `version`, and
 * (unless it is about to be prepared, as `bosun apply` does) prepared.
 */
export async function windowsJoinChecks(ctx: Pick<JoinContext, 'cfg' | 'host' | 'machine'>, version: string, prepared = true): Promise<Check[]> {
  const host = powerShellHost(ctx.host, 'join');
  const machine = await windowsMachineOf(host, ctx.machine);
  return [
    ...windowsNodeChecks(host, machine, version),
    ...(prepared ? [windowsPreparedCheck(host)] : []),
    windowsKubeletFlagsCheck(ctx, machine.hostname()),
    fileAvailableCheck(host, KUBELET_CONF),
    fileAvailableCheck(host, BOOTSTRAP_KUBELET_CONF),
    fileAvailableCheck(host, ctx.cfg.join.caCertPath),
    portCheck(machine, false, KUBELET_PORT),
  ];
}
