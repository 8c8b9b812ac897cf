import { isIPv4, isIPv6 } from 'node:net';
import { parseHostPort } from '../../../config/net.js';
import { UserError } from '../../../errors.js';
import { localMachine, type Machine } from '../../../host/machine.js';
import { KUBELET_PORT } from '../../../manifests/ports.js';
import { controlPlaneChecks } from '../../../node/control-plane-checks.js';
import {
  IPV4_FORWARDING,
  IPV6_FORWARDING,
  fileAvailableCheck,
  forwardingCheck,
  isRendered,
  portCheck,
  privilegedUserCheck,
  requiredExecutableChecks,
  swapCheck,
} from '../../../node/preflight-checks.js';
import { runChecks, type Check } from '../../../workflow/checks.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import { isControlPlane, type JoinContext } from '../context.js';
import { BOOTSTRAP_KUBELET_CONF, KUBELET_CONF, requireSharedCerts } from '../node-files.js';
import { refuseRegisteredNode } from '../registered-node.js';
import { refuseWindowsControlPlane, windowsJoinChecks } from '../windows-node.js';

/**
 * kubeadm's join node checks, minus those that need a container runtime or a kubelet binary. With --rootfs the
 * node's files are in the directory and the ports, swap and programs are this machine's (see init's preflight).
 */
export function joinNodeChecks(ctx: Pick<JoinContext, 'host' | 'cfg'>, machine: Machine): Check[] {
  const { host, cfg } = ctx;
  const rendered = isRendered(host);
  const checks: Check[] = [
    ...(rendered ? [] : [privilegedUserCheck(machine)]),
    fileAvailableCheck(host, KUBELET_CONF),
    fileAvailableCheck(host, BOOTSTRAP_KUBELET_CONF),
    swapCheck(machine),
    ...requiredExecutableChecks(machine),
    portCheck(machine, rendered, KUBELET_PORT),
  ];
  // A worker must not have a cluster CA yet; a control-plane node may have been given the shared ones.
  if (!isControlPlane(ctx)) checks.push(fileAvailableCheck(host, cfg.join.caCertPath));
  const endpoint = cfg.join.discovery.bootstrapToken?.apiServerEndpoint;
  const parsed = endpoint ? parseHostPort(endpoint) : undefined;
  if (!rendered && parsed && !('problem' in parsed)) {
    const file = isIPv6(parsed.host) ? IPV6_FORWARDING : isIPv4(parsed.host) ? IPV4_FORWARDING : undefined;
    if (file) checks.push(forwardingCheck(machine, file));
  }
  return checks;
}

/**
 * Node checks; then discovery and the cluster's configuration (so a wrong pin, token or endpoint stops the join
 * before anything is written); a Ready Node of the same name; for a control-plane node, a stable
 * controlPlaneEndpoint, the shared certificates (unless they are to be downloaded) and init's control-plane checks.
 */
export async function runJoinPreflight(ctx: JoinContext, io: PhaseIO, machine: Machine = localMachine): Promise<void> {
  refuseWindowsControlPlane(ctx);
  io.log('[preflight] Running pre-flight checks');
  const ignored = new Set(ctx.options.ignorePreflightErrors);
  if (ctx.host.os === 'windows') return windowsJoinPreflight(ctx, io, ignored);
  const nodeChecks = joinNodeChecks(ctx, machine);
  await runChecks(nodeChecks, ignored, io);
  const cfg = await ctx.clusterConfig(io);
  await refuseRegisteredNode(ctx, io);
  if (!isControlPlane(ctx)) return;
  if (!cfg.cluster.controlPlaneEndpoint) {
    throw new UserError(
      "unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address " +
        '(ClusterConfiguration.controlPlaneEndpoint in kube-system/kubeadm-config); set one when the cluster is created (bosun init --control-plane-endpoint)',
    );
  }
  if (!ctx.cfg.join.controlPlane?.certificateKey) await requireSharedCerts(ctx.host, cfg.cluster);
  io.log('[preflight] Running pre-flight checks before initializing the new control plane instance');
  const done = new Set(nodeChecks.map((c) => c.name));
  await runChecks(
    controlPlaneChecks({ cfg, host: ctx.host }, machine).filter((c) => !done.has(c.name)),
    ignored,
    io,
  );
}

/** A Windows worker: its checks need the cluster's version (the OS build it supports), so discovery comes first. */
async function windowsJoinPreflight(ctx: JoinContext, io: PhaseIO, ignored: Set<string>): Promise<void> {
  const cfg = await ctx.clusterConfig(io);
  await runChecks(await windowsJoinChecks(ctx, cfg.cluster.kubernetesVersion), ignored, io);
  await refuseRegisteredNode(ctx, io);
}

export const preflightPhase: Phase<JoinContext> = {
  name: 'preflight',
  description: 'Run join pre-flight checks',
  help:
    "Checks the node (kubelet files absent, ports, swap, programs), discovers the cluster (the token's signature on cluster-info, " +
    "the CA pin), reads its configuration and refuses a node name that is already Ready; for --control-plane also init's checks.",
  run: (ctx, io) => runJoinPreflight(ctx, io, ctx.machine),
};
