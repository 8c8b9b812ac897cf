import type { Cluster } from '../../../cluster/cluster.js';
import { clusterFromKubeconfig } from '../../../cluster/connect.js';
import { DEFAULTS } from '../../../config/defaults.js';
import { durationMs } from '../../../config/duration.js';
import type { InitConfig } from '../../../config/types.js';
import { UserError } from '../../../errors.js';
import { readText, type Host } from '../../../host/host.js';
import { parseKubeconfig } from '../../../kubeconfig/kubeconfig.js';
import { KUBE_CONTROLLER_MANAGER_PORT, KUBE_SCHEDULER_PORT } from '../../../manifests/ports.js';
import { apiServerProbe, componentHealthURL, endpointProbe, type Probe } from '../../../node/control-plane-health.js';
import { emitYaml } from '../../../util/yaml.js';
import type { PhaseIO } from '../../../workflow/phase.js';
import type { JoinContext } from '../context.js';
import { localAPIServerURL } from '../local-endpoint.js';
import { ADMIN_CONF } from '../session.js';

/** admin.conf pointed at this node's API server (kubeadm's WaitControlPlaneClient). */
async function localCluster(host: Host, server: string): Promise<Cluster> {
  const text = await readText(host, ADMIN_CONF);
  if (text === undefined) throw new UserError(`${ADMIN_CONF}: file not found (the control-plane-prepare phase writes it)`);
  const doc = parseKubeconfig(text);
  for (const entry of doc.clusters ?? []) if (entry.cluster) entry.cluster.server = server;
  return clusterFromKubeconfig(emitYaml(doc), { source: `${ADMIN_CONF} (for ${server})` });
}

/**
 * This node's API server (/livez, /readyz), controller-manager and scheduler (their health endpoints): the other
 * nodes' components hold the leader Leases, so only the local endpoints say whether this node's instances run.
 */
export async function waitControlPlane(ctx: JoinContext, io: PhaseIO): Promise<void> {
  const cfg: InitConfig = await ctx.clusterConfig(io);
  const timeout = cfg.init.timeouts?.controlPlaneComponentHealthCheck ?? DEFAULTS.timeouts.controlPlaneComponentHealthCheck;
  const server = localAPIServerURL(cfg);
  const local = localCluster(ctx.host, server);
  local.catch(() => undefined);
  const components: Array<[string, Probe]> = [
    ['kube-apiserver', apiServerProbe(() => local)],
    ['kube-controller-manager', endpointProbe(ctx.host, componentHealthURL(cfg.cluster.controllerManager.extraArgs, KUBE_CONTROLLER_MANAGER_PORT, '/healthz'))],
    ['kube-scheduler', endpointProbe(ctx.host, componentHealthURL(cfg.cluster.scheduler.extraArgs, KUBE_SCHEDULER_PORT, '/livez'))],
  ];
  io.log(`[control-plane-check] Waiting for healthy control plane components on this node. This can take up to ${timeout}`);
  const started = Date.now();
  const results = await Promise.allSettled(
    components.map(async ([name, probe]) => {
      await ctx.waiter.until(`${name} on this node to be healthy`, durationMs(timeout), probe);
      io.log(`[control-plane-check] ${name} is healthy after ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }),
  );
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failed.length) throw new UserError(`the control plane of this node is not healthy:\n  ${failed.join('\n  ')}`);
}
