import { configMap, user, type ConfigMap, type Role, type RoleBinding } from '../kube/objects.js';
import { emitYaml } from '../util/yaml.js';
import { readAccess } from './rbac.js';

/**
 * `kube-public/cluster-info`: what a joining node may read before it trusts anything — a kubeconfig with one
 * cluster named "" (server and CA of admin.conf). The bootstrapsigner controller adds `jws-kubeconfig-<id>` beside it.
 */
export const CLUSTER_INFO = { namespace: 'kube-public', name: 'cluster-info', key: 'kubeconfig' } as const;
const CLUSTER_INFO_ROLE = 'kubeadm:bootstrap-signer-clusterinfo';

/** The kubeconfig text as client-go writes a config holding only clusters (keys sorted, empty lists null). */
export function clusterInfoKubeconfig(server: string, caCertPem: string): string {
  return emitYaml({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(caCertPem).toString('base64'), server }, name: '' }],
    contexts: null,
    'current-context': '',
    kind: 'Config',
    users: null,
  });
}

export function clusterInfoConfigMap(server: string, caCertPem: string): ConfigMap {
  return configMap(CLUSTER_INFO.namespace, CLUSTER_INFO.name, { [CLUSTER_INFO.key]: clusterInfoKubeconfig(server, caCertPem) });
}

/** Anonymous read access to cluster-info, and to nothing else. */
export function clusterInfoRbac(): [Role, RoleBinding] {
  return readAccess(CLUSTER_INFO.namespace, CLUSTER_INFO_ROLE, 'configmaps', CLUSTER_INFO.name, [user('system:anonymous')]);
}
