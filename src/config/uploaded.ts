import { signConfigMap } from '../addons/component-config.js';
import type { KubeObject } from '../cluster/cluster.js';
import { configMap, group } from '../kube/objects.js';
import { NODES_GROUP, readAccess } from '../tokens/rbac.js';
import { DEFAULT_TOKEN_GROUP } from '../tokens/token.js';
import { emitYaml } from '../util/yaml.js';
import { goEncodedKubeletConfiguration } from '../kubelet/encoding.js';
import type { ClusterConfiguration, KubeletConfiguration } from './types.js';

/** Where the cluster keeps its configuration for nodes to read (kubeadm's names). */
export const UPLOADED_CONFIG_NAMESPACE = 'kube-system';

/** `kube-system/kubeadm-config` and the Role and RoleBinding that let joining nodes (token first, then nodes) read it. */
export function kubeadmConfigObjects(cluster: ClusterConfiguration): KubeObject[] {
  return [
    configMap(UPLOADED_CONFIG_NAMESPACE, 'kubeadm-config', { ClusterConfiguration: emitYaml(cluster) }),
    ...readAccess(UPLOADED_CONFIG_NAMESPACE, 'kubeadm:nodes-kubeadm-config', 'configmaps', 'kubeadm-config', [group(DEFAULT_TOKEN_GROUP), group(NODES_GROUP)]),
  ];
}

/** `kube-system/kubelet-config` in Go's encoding as kubeadm uploads it (so nodes' config.yaml is it plus their instance settings), with its component-config hash, and the Role and RoleBinding that let nodes read it. */
export function kubeletConfigObjects(kubelet: KubeletConfiguration): KubeObject[] {
  return [
    signConfigMap(configMap(UPLOADED_CONFIG_NAMESPACE, 'kubelet-config', { kubelet: emitYaml(goEncodedKubeletConfiguration(kubelet)) })),
    ...readAccess(UPLOADED_CONFIG_NAMESPACE, 'kubeadm:kubelet-config', 'configmaps', 'kubelet-config', [group(NODES_GROUP), group(DEFAULT_TOKEN_GROUP)]),
  ];
}
