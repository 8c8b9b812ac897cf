import path from 'node:path/posix';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../../kube/paths.js';
import { UserError } from '../../errors.js';
import type { Host } from '../../host/host.js';
import type { ClusterConfiguration } from '../../config/types.js';
import { CLUSTER_CA, ETCD_CA, FRONT_PROXY_CA, SERVICE_ACCOUNT_KEY } from '../../pki/certlist.js';
import { currentUser, parseKubeconfig, type KubeconfigDoc } from '../../kubeconfig/kubeconfig.js';

export const KUBELET_CONF = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.kubelet}`;
export const BOOTSTRAP_KUBELET_CONF = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.bootstrapKubelet}`;

/** The CAs and keys every control-plane node shares (what kubeadm-certs carries), as node paths. */
export function sharedCertFiles(cluster: ClusterConfiguration): string[] {
  const dir = cluster.certificatesDir;
  const cas = [CLUSTER_CA, FRONT_PROXY_CA, ...(cluster.etcd.local && !cluster.etcd.external ? [ETCD_CA] : [])];
  return [
    ...cas.flatMap((ca) => [`${ca.baseName}.crt`, `${ca.baseName}.key`]),
    `${SERVICE_ACCOUNT_KEY.baseName}.key`,
    `${SERVICE_ACCOUNT_KEY.baseName}.pub`,
  ].map((file) => path.join(dir, file));
}

/** Throws naming the shared files that are missing, and the two ways to get them. */
export async function requireSharedCerts(host: Host, cluster: ClusterConfiguration): Promise<void> {
  const files = sharedCertFiles(cluster);
  const present = await Promise.all(files.map((f) => host.stat(f)));
  const missing = files.filter((_, i) => !present[i]);
  if (missing.length) {
    throw new UserError(
      `the certificates shared by control-plane nodes are missing: ${missing.join(', ')}. Give --certificate-key to download them ` +
        'from the kubeadm-certs Secret (uploaded by "bosun init phase upload-certs --upload-certs"), or copy them from a control-plane node',
    );
  }
}

/**
 * Whether the kubelet finished its TLS bootstrap: kubelet.conf exists, is a kubeconfig, and the client certificate
 * it names (embedded or a file, usually kubelet-client-current.pem) is there.
 */
export async function kubeletConfReady(host: Host): Promise<boolean> {
  const text = await host.readFile(KUBELET_CONF);
  if (!text) return false;
  let doc: KubeconfigDoc;
  try {
    doc = parseKubeconfig(text.toString('utf8'));
  } catch {
    return false;
  }
  const user = currentUser(doc)?.user as Record<string, string> | undefined;
  if (!user) return false;
  if (user['client-certificate-data'] && user['client-key-data']) return true;
  const files = [user['client-certificate'], user['client-key']];
  if (!files[0] || !files[1]) return Boolean(user.token);
  // A Windows kubelet names its files with a drive (C:\var\lib\kubelet\pki\…), which the Windows Host takes as they are.
  const nodePath = (file: string) => (/^[A-Za-z]:/.test(file) ? file : path.resolve(KUBERNETES_DIR, file));
  const stats = await Promise.all(files.map((f) => host.stat(nodePath(f!))));
  return stats.every(Boolean);
}
