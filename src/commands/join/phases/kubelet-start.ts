import { PUBLIC_MODE, SECRET_MODE } from '../../../kube/paths.js';
import { bootstrapKubeconfig } from '../../../discovery/bootstrap-kubeconfig.js';
import { localMachine } from '../../../host/machine.js';
import { writeFileIfChanged } from '../../../node/files.js';
import { kubeletStart } from '../../../node/kubelet-files.js';
import { emitYaml } from '../../../util/yaml.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import { isControlPlane, type JoinContext } from '../context.js';
import { localAPIServerURL } from '../local-endpoint.js';
import { BOOTSTRAP_KUBELET_CONF } from '../node-files.js';
import { refuseRegisteredNode } from '../registered-node.js';

/**
 * bootstrap-kubelet.conf (a control-plane node's kubelet bootstraps against its own API server), the cluster CA
 * where the kubelet config expects it, the kubelet's files from the cluster's kubelet-config; then the kubelet is
 * (re)started through the Host.
 */
async function startBootstrappingKubelet(ctx: JoinContext, io: PhaseIO): Promise<void> {
  const cfg = await ctx.clusterConfig(io);
  const { trust, credentials } = await ctx.discovered(io);
  await refuseRegisteredNode(ctx, io);
  const server = isControlPlane(ctx) ? localAPIServerURL(cfg) : trust.server;
  const kubeconfig = bootstrapKubeconfig({ server, caCertPem: trust.caCertPem, clusterName: cfg.cluster.clusterName, credentials });
  io.log(`[kubelet-start] Writing the TLS bootstrap kubeconfig "${BOOTSTRAP_KUBELET_CONF}" for ${server}`);
  await writeFileIfChanged(ctx.host, BOOTSTRAP_KUBELET_CONF, emitYaml(kubeconfig), SECRET_MODE);
  const caPath = ctx.cfg.join.caCertPath;
  if (!(await ctx.host.stat(caPath))) {
    io.log(`[kubelet-start] Writing the cluster CA certificate to "${caPath}"`);
    await ctx.host.writeFileAtomic(caPath, trust.caCertPem, PUBLIC_MODE);
  }
  // A worker registers with its taints; a control-plane node gets them from mark-control-plane.
  await kubeletStart(ctx.host, io.log, cfg, { hostname: (ctx.machine ?? localMachine).hostname(), registerTaints: !isControlPlane(ctx) });
}

export const kubeletStartPhase: Phase<JoinContext> = {
  name: 'kubelet-start',
  description: 'Write kubelet settings, certificates and (re)start the kubelet',
  help:
    'Writes /etc/kubernetes/bootstrap-kubelet.conf (0600; the bootstrap token and the discovered CA), the CA at caCertPath if absent, ' +
    '/var/lib/kubelet/config.yaml from the kubelet-config ConfigMap, kubeadm-flags.env and instance-config.yaml; starts the kubelet.',
  run: startBootstrappingKubelet,
};
