import type { Host } from '../host/host.js';
import type { Cluster } from './cluster.js';

/** Builds the cluster door from a kubeconfig on the node (loaded lazily: the client library is large). */
export async function connectCluster(_host: Host, _kubeconfigPath: string, _dryRun: boolean): Promise<Cluster> {
  throw new Error('not implemented yet');
}
