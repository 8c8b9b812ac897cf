import { coreDNSAddonDefinition } from '../../../addons/coredns-addon/index.js';
import { kubeProxyAddon } from '../../../addons/essential.js';
import { runAddonActions, windowsNodesIn } from '../../../addons/run-actions.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

async function installCoreDNS(ctx: InitContext, io: PhaseIO): Promise<void> {
  if (ctx.cfg.cluster.dns.disabled) return io.log('[addons] Skipping CoreDNS: dns.disabled is set');
  const cluster = await ctx.cluster();
  const plan = await coreDNSAddonDefinition.plan({ config: ctx.cfg, cluster, settings: {}, windowsNodes: await windowsNodesIn(cluster) });
  for (const note of plan.notes) io.log(`[addons] ${note}`);
  for (const warning of plan.warnings) io.log(`[addons] WARNING: ${warning}`);
  await runAddonActions(cluster, plan);
  io.log('[addons] Applied essential addon: CoreDNS');
}

async function installKubeProxy(ctx: InitContext, io: PhaseIO): Promise<void> {
  if (ctx.cfg.cluster.proxy.disabled) return io.log('[addons] Skipping kube-proxy: proxy.disabled is set');
  const cluster = await ctx.cluster();
  for (const obj of kubeProxyAddon(ctx.cfg)) await cluster.apply(obj);
  io.log('[addons] Applied essential addon: kube-proxy');
}

export const addonPhase: Phase<InitContext> = {
  name: 'addon',
  description: 'Install required addons for passing conformance tests',
  phases: [
    {
      name: 'coredns',
      description: 'Install the CoreDNS addon to a Kubernetes cluster',
      help: 'ConfigMap, ClusterRole and binding system:coredns, ServiceAccount, Deployment coredns and Service kube-dns (10th service IP) in kube-system; skipped with dns.disabled.',
      run: installCoreDNS,
    },
    {
      name: 'kube-proxy',
      description: 'Install the kube-proxy addon to a Kubernetes cluster',
      help: 'ConfigMap and DaemonSet kube-proxy, its ServiceAccount, ClusterRoleBinding kubeadm:node-proxier and the Role that lets joining nodes read its config; skipped with proxy.disabled.',
      run: installKubeProxy,
    },
  ],
};
