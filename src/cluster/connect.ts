import path from 'node:path';
import { KUBECONFIG_FILES } from '../kube/paths.js';
import { systemErrorText, UserError } from '../errors.js';
import { exists, FileReadError, READ_CAPS, readText, type Host } from '../host/host.js';
import { AdminCluster } from './admin-binding.js';
import type { Cluster } from './cluster.js';
import { KubeCluster } from './kube.js';
import { kubeconfigTransport, type KubeconfigSource } from './transport.js';

/** One connection per host and kubeconfig: phases share discovery and keep-alive sockets. */
const connections = new WeakMap<Host, Map<string, Promise<Cluster>>>();

/** Builds the cluster door from a kubeconfig on the node (a node path, read through the Host); see openKubeconfig. */
export function connectCluster(host: Host, kubeconfigPath: string): Promise<Cluster> {
  let byPath = connections.get(host);
  if (!byPath) connections.set(host, (byPath = new Map()));
  let cluster = byPath.get(kubeconfigPath);
  if (!cluster) {
    cluster = openKubeconfig(host, kubeconfigPath);
    byPath.set(kubeconfigPath, cluster);
    cluster.catch(() => byPath.delete(kubeconfigPath));
  }
  return cluster;
}

/**
 * The cluster door of a kubeconfig on the node, each connection made by `open` (a dry run records over the plain
 * one). admin.conf with super-admin.conf beside it gets kubeadm's cluster-admins binding ensured on first use
 * (see AdminCluster).
 */
export async function openKubeconfig(
  host: Host,
  kubeconfigPath: string,
  open: (nodePath: string) => Promise<Cluster> = (nodePath) => clusterFromKubeconfigFile(host, nodePath),
): Promise<Cluster> {
  const cluster = await open(kubeconfigPath);
  const superAdminPath = path.posix.join(path.posix.dirname(kubeconfigPath), KUBECONFIG_FILES.superAdmin);
  if (path.posix.basename(kubeconfigPath) === KUBECONFIG_FILES.admin && (await exists(host, superAdminPath))) {
    return new AdminCluster(cluster, () => open(superAdminPath));
  }
  return cluster;
}

/** A Cluster from a kubeconfig file on the node; files it names are node paths too (relative to its directory). */
export async function clusterFromKubeconfigFile(host: Host, nodePath: string): Promise<KubeCluster> {
  const text = await readKubeconfigFile(host, nodePath);
  if (text === undefined) throw new UserError(`kubeconfig ${nodePath}: file not found (is the kubeconfig phase done?)`);
  const dir = path.posix.dirname(path.posix.resolve('/', nodePath));
  return clusterFromKubeconfig(text, { source: nodePath, resolveFile: (file) => host.resolve(path.posix.resolve(dir, file)) });
}

/** A kubeconfig's text, undefined when there is no such file; a path that cannot be read (a directory) is a UserError naming it. */
export async function readKubeconfigFile(host: Host, nodePath: string): Promise<string | undefined> {
  try {
    return await readText(host, nodePath, READ_CAPS.kubeconfig);
  } catch (err) {
    if (err instanceof FileReadError) throw new UserError(`kubeconfig ${nodePath}: ${err.problem}`);
    const problem = systemErrorText(err, nodePath);
    if (problem === undefined) throw err;
    throw new UserError(`kubeconfig ${problem}`);
  }
}

/** A Cluster from an in-memory kubeconfig (bootstrap-token clients, tests). */
export async function clusterFromKubeconfig(text: string, opts: KubeconfigSource = {}): Promise<KubeCluster> {
  return new KubeCluster(await kubeconfigTransport(text, opts));
}
