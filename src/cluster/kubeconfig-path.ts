import path from 'node:path';
import { exists, type Host } from '../host/host.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../kube/paths.js';

/** kubeadm's admin kubeconfig: on a control-plane node, the cluster bosun was asked about. */
const ADMIN_CONF = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`;

/**
 * Where a command that talks to an existing cluster looks for its kubeconfig. The environment is given by the CLI
 * entry (which alone reads `process.env` and the home directory), so the order can be tested.
 */
export interface KubeconfigSearch {
  /** `--kubeconfig`: used as given. */
  flag?: string;
  /** `$KUBECONFIG`: a path list (`:`-separated); its first entry that exists. */
  env?: string;
  /** The user's home directory, for `~/.kube/config`. */
  home: string;
}

/**
 * The kubeconfig to use, as kubeadm and kubectl users expect: `--kubeconfig`, else the first existing file of
 * `$KUBECONFIG`, else `/etc/kubernetes/admin.conf` when it exists (bosun runs on a control-plane node), else
 * `~/.kube/config` when it exists. With none of them, admin.conf (kubeadm's default), whose absence the
 * connection then reports. Paths are node paths of `host`; a relative one is taken from the working directory.
 */
export async function resolveKubeconfig(host: Host, search: KubeconfigSearch): Promise<string> {
  if (search.flag) return path.resolve(search.flag);
  for (const entry of (search.env ?? '').split(path.delimiter).filter(Boolean)) {
    if (await exists(host, path.resolve(entry))) return path.resolve(entry);
  }
  if (await exists(host, ADMIN_CONF)) return ADMIN_CONF;
  const user = path.join(search.home, '.kube', 'config');
  return (await exists(host, user)) ? user : ADMIN_CONF;
}
