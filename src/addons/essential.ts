import type { KubeObject } from '../cluster/cluster.js';
import type { InitConfig } from '../config/types.js';
import { controlPlaneURL } from '../kubeconfig/specs.js';
import { kubernetesImage } from '../manifests/images.js';
import { nodePkiFromInit } from '../pki/input.js';
import { signConfigMap } from './component-config.js';
import { kubeProxyClusterRoleBinding, kubeProxyConfigMap, kubeProxyConfigRbac, kubeProxyDaemonSet, kubeProxyServiceAccount } from './kube-proxy.js';

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
