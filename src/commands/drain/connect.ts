import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectCluster } from '../../cluster/connect.js';
import type { Cluster } from '../../cluster/cluster.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../../kube/paths.js';
import { LocalHost } from '../../host/local.js';

/**
 * The kubeconfig a cluster-wide command uses: `--kubeconfig`, else $KUBECONFIG (its first file), else kubeadm's
 * admin.conf when it exists (bosun runs on a control-plane node), else ~/.kube/config.
 */
export function resolveKubeconfig(flag?: string): string {
  const fromEnv = process.env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  const admin = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`;
  const chosen = flag ?? fromEnv ?? (existsSync(admin) ? admin : path.join(os.homedir(), '.kube', 'config'));
  return path.resolve(chosen);
}

/** The cluster door for a kubeconfig on this machine. */
export function connectKubeconfig(file: string): Promise<Cluster> {
  return connectCluster(new LocalHost('/'), file, false);
}
