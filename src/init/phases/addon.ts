import type { KubeObject } from '../../cluster/cluster.js';
import type { ConfigMap } from '../../cluster/objects.js';
import { signConfigMap } from '../../addons/component-config.js';
import {
  COREDNS,
  coreDNSClusterRole,
  coreDNSClusterRoleBinding,
  coreDNSConfigMap,
  coreDNSDeployment,
  coreDNSService,
  coreDNSServiceAccount,
  DEFAULT_COREDNS_REPLICAS,
} from '../../addons/coredns.js';
import {
  kubeProxyClusterRoleBinding,
  kubeProxyConfigMap,
  kubeProxyConfigRbac,
  kubeProxyDaemonSet,
  kubeProxyServiceAccount,
} from '../../addons/kube-proxy.js';
import type { Deployment } from '../../addons/workloads.js';
import { UserError } from '../../errors.js';
import { controlPlaneURL } from '../../kubeconfig/specs.js';
import { proxyEnv } from '../../manifests/args.js';
import { kubernetesImage } from '../../manifests/images.js';
import { nodePkiFromInit } from '../../pki/input.js';
import type { Phase, PhaseIO } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

async function installCoreDNS(ctx: InitContext, io: PhaseIO): Promise<void> {
  const { cluster: cfg } = ctx.cfg;
  if (cfg.dns.disabled) {
    io.log('[addons] Skipping CoreDNS: dns.disabled is set');
    return;
  }
  const cluster = await ctx.cluster();
  const deployments = await cluster.list<Deployment>('apps/v1', 'Deployment', { namespace: COREDNS.namespace, labelSelector: 'k8s-app=kube-dns' });
  if (deployments.length > 1) {
    throw new UserError(`more than one DNS Deployment in ${COREDNS.namespace} (label k8s-app=kube-dns): ${deployments.map((d) => d.metadata.name).join(', ')}`);
  }
  // A scaled Deployment keeps its replica count.
  const replicas = deployments[0]?.spec?.replicas ?? DEFAULT_COREDNS_REPLICAS;
  const configMap = coreDNSConfigMap(cfg);
  const existing = await cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: COREDNS.namespace, name: COREDNS.name });
  // An edited Corefile is the operator's: it is kept (upgrades migrate it, init does not overwrite it).
  const keepCorefile = existing?.data?.Corefile !== undefined && existing.data.Corefile !== configMap.data.Corefile;
  if (keepCorefile) io.log(`[addons] Keeping the existing Corefile of ConfigMap ${COREDNS.namespace}/${COREDNS.name}`);
  const objects: KubeObject[] = [
    ...(keepCorefile ? [] : [configMap]),
    coreDNSClusterRole(),
    coreDNSClusterRoleBinding(),
    coreDNSServiceAccount(),
    coreDNSDeployment(cfg, replicas),
    coreDNSService(cfg),
  ];
  for (const obj of objects) await cluster.apply(obj);
  io.log('[addons] Applied essential addon: CoreDNS');
}

async function installKubeProxy(ctx: InitContext, io: PhaseIO): Promise<void> {
  const { cluster: cfg } = ctx.cfg;
  if (cfg.proxy.disabled) {
    io.log('[addons] Skipping kube-proxy: proxy.disabled is set');
    return;
  }
  const cluster = await ctx.cluster();
  const server = controlPlaneURL(nodePkiFromInit(ctx.cfg));
  // kubeadm's order: the config and the DaemonSet, then the identity and access they use.
  const objects: KubeObject[] = [
    signConfigMap(kubeProxyConfigMap(ctx.cfg.kubeProxy, server)),
    kubeProxyDaemonSet(kubernetesImage('kube-proxy', cfg), proxyEnv(process.env)),
    kubeProxyServiceAccount(),
    kubeProxyClusterRoleBinding(),
    ...kubeProxyConfigRbac(),
  ];
  for (const obj of objects) await cluster.apply(obj);
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
