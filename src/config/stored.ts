/**
 * The configuration an upgrade acts on, as kubeadm rebuilds it: the cluster's ConfigMaps (ClusterConfiguration,
 * kubelet and kube-proxy component configs) with this node's identity, at the target version.
 */
import { clusterWithDefaults } from './defaults.js';
import { readConfigText, type ConfigFile } from './read.js';
import { buildInitConfig } from './resolve.js';
import type { ClusterFile } from './schema.js';
import type { ClusterConfiguration, EnvVar, InitConfig } from './types.js';
import { normalizeKubernetesVersion } from './version.js';
import { UserError } from '../errors.js';
import type { Cluster } from '../cluster/cluster.js';
import type { ConfigMap } from '../kube/objects.js';

/** `kubeadm-config` ClusterConfiguration, `kubelet-config` kubelet and `kube-proxy` config.conf, as stored. */
export interface StoredConfigTexts {
  cluster: string;
  kubelet?: string;
  kubeProxy?: string;
}

/** Who this node is, as found on it (kubelet.conf, the API server's manifest, the kubelet's instance config). */
export interface NodeIdentity {
  name: string;
  /** Whether it runs the control plane (it has a kube-apiserver manifest). */
  controlPlane: boolean;
  advertiseAddress?: string;
  bindPort?: number;
  criSocket?: string;
}

/** Where each text came from, for messages. */
const SOURCES = {
  cluster: 'ConfigMap kube-system/kubeadm-config',
  kubelet: 'ConfigMap kube-system/kubelet-config',
  kubeProxy: 'ConfigMap kube-system/kube-proxy',
} as const;

function clusterDocument(texts: StoredConfigTexts): ClusterFile {
  const cluster = readConfigText(texts.cluster, SOURCES.cluster).cluster;
  if (!cluster) throw new UserError(`${SOURCES.cluster}: key ClusterConfiguration holds no ClusterConfiguration document`);
  if (!cluster.kubernetesVersion) throw new UserError(`${SOURCES.cluster}: ClusterConfiguration: kubernetesVersion is not set`);
  return cluster;
}

async function configText(cluster: Cluster, name: string, key: string): Promise<string | undefined> {
  const cm = await cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name });
  return cm?.data?.[key];
}

/** The three configuration texts as the cluster has them, read in parallel (see withClusterText). */
export async function readStoredConfigTexts(cluster: Cluster): Promise<Partial<StoredConfigTexts>> {
  const [clusterText, kubelet, kubeProxy] = await Promise.all([
    configText(cluster, 'kubeadm-config', 'ClusterConfiguration'),
    configText(cluster, 'kubelet-config', 'kubelet'),
    configText(cluster, 'kube-proxy', 'config.conf'),
  ]);
  return { cluster: clusterText, kubelet, kubeProxy };
}

/** The texts, refused when there is no ClusterConfiguration: such a cluster was not made by kubeadm or bosun. */
export function withClusterText(texts: Partial<StoredConfigTexts>): StoredConfigTexts {
  if (texts.cluster === undefined) {
    throw new UserError(`${SOURCES.cluster} has no ClusterConfiguration: is this a cluster made by bosun init or kubeadm init?`);
  }
  return { ...texts, cluster: texts.cluster };
}

/** The cluster's ClusterConfiguration as stored, with defaults (its kubernetesVersion is what was last uploaded). */
export function storedClusterConfiguration(texts: StoredConfigTexts): ClusterConfiguration {
  const cluster = clusterWithDefaults(clusterDocument(texts));
  return { ...cluster, kubernetesVersion: normalizeKubernetesVersion(cluster.kubernetesVersion) };
}

/**
 * The full configuration after the upgrade: the stored documents at `target`, with this node's name, API endpoint
 * and CRI socket, and the proxy environment bosun runs in. Defaults fill what the documents leave out; problems
 * name the ConfigMap they came from.
 */
export function upgradeConfig(texts: StoredConfigTexts, node: NodeIdentity, target: string, proxyEnv: EnvVar[]): InitConfig {
  const cluster = clusterDocument(texts);
  const kubelet = texts.kubelet === undefined ? undefined : readConfigText(texts.kubelet, SOURCES.kubelet).kubelet;
  const kubeProxy = texts.kubeProxy === undefined ? undefined : readConfigText(texts.kubeProxy, SOURCES.kubeProxy).kubeProxy;
  const file: ConfigFile = {
    file: SOURCES.cluster,
    init: {
      nodeRegistration: { name: node.name, ...(node.criSocket && { criSocket: node.criSocket }) },
      localAPIEndpoint: {
        ...(node.advertiseAddress && { advertiseAddress: node.advertiseAddress }),
        ...(node.bindPort && { bindPort: node.bindPort }),
      },
    },
    cluster: { ...cluster, kubernetesVersion: normalizeKubernetesVersion(target) },
    kubelet,
    kubeProxy,
  };
  return { ...buildInitConfig(file, {}), proxyEnv };
}
