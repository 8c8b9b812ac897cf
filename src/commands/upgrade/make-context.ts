import type { Cluster } from '../../cluster/cluster.js';
import { connectCluster } from '../../cluster/connect.js';
import type { EnvVar } from '../../config/types.js';
import { normalizeKubernetesVersion } from '../../config/version.js';
import type { Host } from '../../host/host.js';
import { backupStamp } from './backup.js';
import { readClusterState } from './cluster-state.js';
import { storedClusterConfiguration, upgradeConfig } from './config.js';
import type { UpgradeContext, UpgradeOptions } from './context.js';
import { manualInstaller, type KubeletInstaller } from './kubelet.js';
import { readNodeIdentity } from './node.js';

/** A value computed on first use and shared afterwards. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

export interface ContextInput {
  host: Host;
  options: UpgradeOptions;
  /** `upgrade apply`'s version; without it, the version the cluster's ClusterConfiguration names. */
  target?: string;
  kubelet?: KubeletInstaller;
  /** The cluster door; default: built from the kubeconfig option on the node. */
  cluster?: () => Promise<Cluster>;
  /** The `*_proxy` variables the control-plane Pods get (the node facts' proxyEnv). */
  proxyEnv: EnvVar[];
}

/**
 * The context of one upgrade run on one node. Other executors (the fleet roll, a sandbox node) build theirs
 * with their own Host, Cluster and kubelet installer and run the same phases.
 */
export function upgradeContext(input: ContextInput): UpgradeContext {
  const { host, options } = input;
  const cluster = once(input.cluster ?? (() => connectCluster(host, options.kubeconfigPath, options.dryRun)));
  const state = once(async () => readClusterState(await cluster()));
  const target = once(async () =>
    input.target !== undefined ? normalizeKubernetesVersion(input.target.trim()) : storedClusterConfiguration((await state()).configTexts).kubernetesVersion,
  );
  const node = once(() => readNodeIdentity(host, options.nodeName));
  const config = once(async () => upgradeConfig((await state()).configTexts, await node(), await target(), input.proxyEnv));
  return {
    host,
    options,
    cluster,
    state,
    target,
    node,
    config,
    kubelet: input.kubelet ?? manualInstaller,
    run: { stamp: backupStamp(new Date()), upgraded: [] },
  };
}
