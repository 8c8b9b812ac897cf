import type { EnvVar } from '../../config/types.js';
import { normalizeKubernetesVersion } from '../../config/version.js';
import { once } from '../../util/once.js';
import type { Doors } from '../../workflow/doors.js';
import { backupStamp } from './backup.js';
import { readClusterState } from './cluster-state.js';
import { storedClusterConfiguration, upgradeConfig } from '../../config/stored.js';
import type { UpgradeContext, UpgradeOptions } from './context.js';
import { manualInstaller, type KubeletInstaller } from './kubelet.js';
import { readNodeIdentity } from './node.js';

export interface ContextInput {
  /** The node, the cluster and the time (see openDoors); other executors may bring their own. */
  doors: Pick<Doors, 'host' | 'cluster' | 'clock'>;
  options: UpgradeOptions;
  /** `upgrade apply`'s version; without it, the version the cluster's ClusterConfiguration names. */
  target?: string;
  kubelet?: KubeletInstaller;
  /** Whether the run keeps a journal to be resumed from (a whole `upgrade apply`). */
  journaled?: boolean;
  /** The `*_proxy` variables the control-plane Pods get (the node facts' proxyEnv). */
  proxyEnv: EnvVar[];
}

/**
 * The context of one upgrade run on one node. Other executors (the fleet roll, a sandbox node) build theirs
 * with their own doors and kubelet installer and run the same phases.
 */
export function upgradeContext(input: ContextInput): UpgradeContext {
  const { options } = input;
  const { host, cluster, clock } = input.doors;
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
    run: { stamp: backupStamp(clock.now()), upgraded: [], journaled: input.journaled },
  };
}
