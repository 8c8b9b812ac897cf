import type { BootstrapCredentials } from './discover.js';

/** The user kubeadm names in bootstrap-kubelet.conf when the node bootstraps with a token. */
export const TLS_BOOTSTRAP_USER = 'tls-bootstrap-token-user';
/** kubeadm names the context after the default cluster name, whatever the cluster's name is. */
const CONTEXT = `${TLS_BOOTSTRAP_USER}@kubernetes`;

/**
 * `/etc/kubernetes/bootstrap-kubelet.conf`: the discovered server and CA, the bootstrap credentials, and the cluster
 * named as ClusterConfiguration.clusterName (kubeadm renames it once it has read the cluster's configuration).
 */
export function bootstrapKubeconfig(input: { server: string; caCertPem: string; clusterName: string; credentials: BootstrapCredentials }) {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const { token, clientCertPem, clientKeyPem } = input.credentials;
  const user: Record<string, string> = token ? { token } : { 'client-certificate-data': b64(clientCertPem ?? ''), 'client-key-data': b64(clientKeyPem ?? '') };
  return {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(input.caCertPem), server: input.server }, name: input.clusterName }],
    contexts: [{ context: { cluster: input.clusterName, user: TLS_BOOTSTRAP_USER }, name: CONTEXT }],
    'current-context': CONTEXT,
    kind: 'Config',
    users: [{ name: TLS_BOOTSTRAP_USER, user }],
  };
}
