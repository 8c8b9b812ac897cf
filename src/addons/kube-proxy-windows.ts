/**
 * kube-proxy for Windows nodes: kubeadm's kube-proxy DaemonSet selects Linux nodes only, so Windows nodes get
 * their own HostProcess DaemonSet beside it, configured by the same `kube-proxy` ConfigMap. The image variant
 * follows the pod network the cluster runs (Calico when its operator is there, else Flannel).
 */
import { UserError } from '../errors.js';
import type { ConfigMap } from '../kube/objects.js';
import type { AddonDefinition, AddonInput, AddonPlan } from './addon.js';
import { applyActions, workloadImageTag } from './addon-plan.js';
import { KUBE_PROXY } from './kube-proxy.js';
import { KUBE_PROXY_WINDOWS, kubeProxyWindowsDaemonSet, type WindowsNetwork } from './windows.js';

import { PINNED_KUBERNETES_VERSIONS } from '../versions/pinned.js';

const DAEMON_SET = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: KUBE_PROXY_WINDOWS.namespace, name: KUBE_PROXY_WINDOWS.name } as const;
const CALICO_OPERATOR = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'tigera-operator', name: 'tigera-operator' } as const;

async function plan(input: AddonInput): Promise<AddonPlan> {
  const version = input.config.cluster.kubernetesVersion;
  if (input.settings.version !== undefined && input.settings.version !== version) {
    throw new UserError(`addon kube-proxy-windows: --version ${input.settings.version}: kube-proxy runs the cluster's Kubernetes version, ${version}`);
  }
  const config = await input.cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: KUBE_PROXY.namespace, name: KUBE_PROXY.name });
  if (!config) {
    throw new UserError(
      `addon kube-proxy-windows: ConfigMap ${KUBE_PROXY.namespace}/${KUBE_PROXY.name} not found; it is kube-proxy's configuration (install addon kube-proxy first)`,
    );
  }
  const network: WindowsNetwork = (await input.cluster.get(CALICO_OPERATOR)) ? 'calico' : 'flannel';
  return {
    addon: 'kube-proxy-windows',
    version,
    actions: applyActions([kubeProxyWindowsDaemonSet(input.config, network)]),
    notes: [
      `DaemonSet ${KUBE_PROXY_WINDOWS.namespace}/${KUBE_PROXY_WINDOWS.name} for the ${network} network, configured by ConfigMap ${KUBE_PROXY.namespace}/${KUBE_PROXY.name}`,
    ],
    warnings: input.windowsNodes ? [] : ['the cluster has no Windows node yet: the DaemonSet runs nothing until one joins'],
  };
}

export const kubeProxyWindowsAddon: AddonDefinition = {
  name: 'kube-proxy-windows',
  description: "kube-proxy on Windows nodes (HostProcess), beside kubeadm's Linux DaemonSet and with its configuration",
  essential: false,
  versions: PINNED_KUBERNETES_VERSIONS,
  defaultVersion: (kubernetesVersion) => kubernetesVersion,
  plan,
  /** The tag is `<Kubernetes version>-<network>-hostprocess`. */
  installedVersion: async (cluster) => (await workloadImageTag(cluster, DAEMON_SET, 'kube-proxy'))?.replace(/-(flannel|calico)-hostprocess$/, ''),
};
