/**
 * An addon's input for a cluster that runs: its configuration as kubeadm stored it (kubeadm-config, kubelet-config,
 * kube-proxy's config.conf), the API server's advertised endpoint, and whether a Windows node has joined.
 */
import type { Cluster, KubeObject } from '../cluster/cluster.js';
import { readStoredConfigTexts, storedClusterConfiguration, upgradeConfig, withClusterText } from '../config/stored.js';
import type { EnvVar, InitConfig } from '../config/types.js';
import { OS_LABEL } from '../kube/labels.js';
import type { AddonInput, AddonSettings } from './addon.js';
import type { ManifestSource } from './manifest-files.js';

interface EndpointSlice extends KubeObject {
  endpoints?: Array<{ addresses?: string[] }>;
  ports?: Array<{ port?: number }>;
}

/**
 * Where the API servers advertise themselves (the `kubernetes` Service's EndpointSlice, which each API server keeps):
 * kube-proxy's kubeconfig points there when the cluster has no controlPlaneEndpoint, as it did at init.
 */
async function advertisedEndpoint(cluster: Cluster): Promise<{ advertiseAddress?: string; bindPort?: number }> {
  const slice = await cluster.get<EndpointSlice>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: 'default', name: 'kubernetes' });
  return { advertiseAddress: slice?.endpoints?.[0]?.addresses?.[0], bindPort: slice?.ports?.[0]?.port };
}

/** The cluster's configuration at its own version, as `bosun upgrade` rebuilds it, with the `*_proxy` variables given. */
export async function storedInitConfig(cluster: Cluster, proxyEnv: EnvVar[]): Promise<InitConfig> {
  const [texts, endpoint] = await Promise.all([readStoredConfigTexts(cluster).then(withClusterText), advertisedEndpoint(cluster)]);
  const version = storedClusterConfiguration(texts).kubernetesVersion;
  // No node of its own: an addon is the cluster's, and kube-proxy's kubeconfig is the one thing that names an endpoint.
  return upgradeConfig(texts, { name: '', controlPlane: true, ...endpoint }, version, proxyEnv);
}

export async function hasWindowsNodes(cluster: Cluster): Promise<boolean> {
  return (await cluster.list('v1', 'Node', { labelSelector: `${OS_LABEL}=windows` })).length > 0;
}

/** Everything an addon's plan reads, for a cluster that runs. */
export async function clusterAddonInput(cluster: Cluster, config: InitConfig, settings: AddonSettings, manifests: ManifestSource): Promise<AddonInput> {
  return { config, cluster, settings, manifests, windowsNodes: await hasWindowsNodes(cluster) };
}
