import path from 'node:path';
import { KUBECONFIG_FILES } from '../kube/paths.js';
import { UserError } from '../errors.js';
import { exists, readText, type Host } from '../host/host.js';
import { AdminCluster } from './admin-binding.js';
import type { Cluster } from './cluster.js';
import { KubeCluster } from './kube.js';
import { RecordingCluster } from './recording.js';
import { kubeconfigTransport, type KubeconfigSource } from './transport.js';

/** One connection per host, kubeconfig and mode: phases share discovery, keep-alive sockets and a dry run's record. */
const connections = new WeakMap<Host, Map<string, Promise<Cluster>>>();

/**
 * Builds the cluster door from a kubeconfig on the node (a node path, read through the Host).
 * A dry run gets a RecordingCluster: writes recorded (its `actions`), reads through; being shared, the caller
 * finds the record by calling again after the run. admin.conf with super-admin.conf beside
 * it gets kubeadm's cluster-admins binding ensured on first use (see AdminCluster).
 */
export function connectCluster(host: Host, kubeconfigPath: string, dryRun: boolean): Promise<Cluster> {
  let byPath = connections.get(host);
  if (!byPath) connections.set(host, (byPath = new Map()));
  const key = `${dryRun ? 'dry-run' : 'live'}|${kubeconfigPath}`;
  let cluster = byPath.get(key);
  if (!cluster) {
    cluster = connect(host, kubeconfigPath, dryRun);
    byPath.set(key, cluster);
    cluster.catch(() => byPath.delete(key));
  }
  return cluster;
}

async function connect(host: Host, kubeconfigPath: string, dryRun: boolean): Promise<Cluster> {
  const kube = await clusterFromKubeconfigFile(host, kubeconfigPath);
  if (dryRun) return new RecordingCluster(kube);
  const superAdminPath = path.posix.join(path.posix.dirname(kubeconfigPath), KUBECONFIG_FILES.superAdmin);
  if (path.posix.basename(kubeconfigPath) === KUBECONFIG_FILES.admin && (await exists(host, superAdminPath))) {
    return new AdminCluster(kube, () => clusterFromKubeconfigFile(host, superAdminPath));
  }
  return kube;
}

/** A Cluster from a kubeconfig file on the node; files it names are node paths too (relative to its directory). */
export async function clusterFromKubeconfigFile(host: Host, nodePath: string): Promise<KubeCluster> {
  const text = await readText(host, nodePath);
  if (text === undefined) throw new UserError(`kubeconfig ${nodePath}: file not found (is the kubeconfig phase done?)`);
  const dir = path.posix.dirname(path.posix.resolve('/', nodePath));
  return clusterFromKubeconfig(text, { source: nodePath, resolveFile: (file) => host.resolve(path.posix.resolve(dir, file)) });
}

/** A Cluster from an in-memory kubeconfig (bootstrap-token clients, tests). */
export async function clusterFromKubeconfig(text: string, opts: KubeconfigSource = {}): Promise<KubeCluster> {
  return new KubeCluster(await kubeconfigTransport(text, opts));
}
