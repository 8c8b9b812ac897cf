import type { Cluster, KubeObject } from '../cluster/cluster.js';
import type { ConfigMap } from '../kube/objects.js';
import type { ClusterConfiguration, InitConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { controlPlaneURL } from '../kubeconfig/specs.js';
import { kubernetesImage } from '../manifests/images.js';
import { nodePkiFromInit } from '../pki/input.js';
import { signConfigMap } from './component-config.js';
import {
  COREDNS,
  coreDNSClusterRole,
  coreDNSClusterRoleBinding,
  coreDNSConfigMap,
  coreDNSDeployment,
  coreDNSService,
  coreDNSServiceAccount,
  DEFAULT_COREDNS_REPLICAS,
} from './coredns.js';
import { kubeProxyClusterRoleBinding, kubeProxyConfigMap, kubeProxyConfigRbac, kubeProxyDaemonSet, kubeProxyServiceAccount } from './kube-proxy.js';
import type { Deployment } from './workloads.js';

/**
 * The CoreDNS addon's objects in kubeadm's apply order, given what the cluster has (for init and upgrade alike):
 * an existing Corefile is the operator's and is kept; a scaled Deployment keeps its replica count.
 */
export async function coreDNSAddon(cluster: Cluster, cfg: ClusterConfiguration): Promise<{ objects: KubeObject[]; keptCorefile: boolean }> {
  const [deployments, existing] = await Promise.all([
    cluster.list<Deployment>('apps/v1', 'Deployment', { namespace: COREDNS.namespace, labelSelector: 'k8s-app=kube-dns' }),
    cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: COREDNS.namespace, name: COREDNS.name }),
  ]);
  if (deployments.length > 1) {
    throw new UserError(`more than one DNS Deployment in ${COREDNS.namespace} (label k8s-app=kube-dns): ${deployments.map((d) => d.metadata.name).join(', ')}`);
  }
  const keptCorefile = existing?.data?.Corefile !== undefined;
  const objects: KubeObject[] = [
    ...(keptCorefile ? [] : [coreDNSConfigMap(cfg)]),
    coreDNSClusterRole(),
    coreDNSClusterRoleBinding(),
    coreDNSServiceAccount(),
    coreDNSDeployment(cfg, deployments[0]?.spec?.replicas ?? DEFAULT_COREDNS_REPLICAS),
    coreDNSService(cfg),
  ];
  return { objects, keptCorefile };
}

/** The kube-proxy addon's objects in kubeadm's order: the config and the DaemonSet, then the identity and access they use. */
export function kubeProxyAddon(cfg: InitConfig): KubeObject[] {
  return [
    signConfigMap(kubeProxyConfigMap(cfg.kubeProxy, controlPlaneURL(nodePkiFromInit(cfg)))),
    kubeProxyDaemonSet(kubernetesImage('kube-proxy', cfg.cluster), cfg.proxyEnv),
    kubeProxyServiceAccount(),
    kubeProxyClusterRoleBinding(),
    ...kubeProxyConfigRbac(),
  ];
}
