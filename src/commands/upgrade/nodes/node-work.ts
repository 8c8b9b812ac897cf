/**
 * What the roll runs on each node, in bosun's own process through the node's Host door: the `upgrade node` phases
 * (kubelet configuration from the kubelet-config ConfigMap, a control-plane node's static Pods, the kubelet
 * install the inventory chose) as the `upgrade-node` step, then the kubelet restarted by the node's service
 * manager as `kubelet-restart`, a step of its own in the journal. On a Windows node `upgrade-node` writes the
 * kubelet configuration only (its previous file backed up for a rollback): kubelet.exe has steps of its own
 * around the stopped service (windows-node-work.ts).
 */
import type { Cluster } from '../../../cluster/cluster.js';
import type { EnvVar } from '../../../config/types.js';
import type { Host } from '../../../host/host.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../../../kube/paths.js';
import type { NodeSideWork, NodeStepContext } from '../../../roll/nodes.js';
import type { EventPath, EventSink } from '../../../workflow/events.js';
import { systemClock } from '../../../workflow/doors.js';
import { runWorkflow } from '../../../workflow/run.js';
import type { UpgradeContext, UpgradeOptions } from '../context.js';
import { upgradeContext } from '../make-context.js';
import { nodePhases } from '../phases.js';
import { kubeletInstaller, type KubeletDownloads } from './kubelet-binary.js';
import { takeBackup } from '../../../node/roll-backup.js';
import { WINDOWS_UPGRADE_FILES, windowsNodeWork } from './windows-node-work.js';

/** The roll restarts the kubelet as its own journaled step, after the phases. */
const RESTART_PHASE = 'kubelet/restart';
/** A Windows node's kubelet.exe is swapped and started by steps of their own. */
const KUBELET_PHASE = 'kubelet';

/** The node's phase events under `base` (`node/<name>/upgrade-node/kubelet/install`), so the roll's renderer tells nodes apart. */
function under(base: EventPath, sink: EventSink): EventSink {
  return (event) =>
    sink(
      event.type === 'planned'
        ? { ...event, path: `${base}/${event.path}`, paths: event.paths.map((p) => `${base}/${p}`) }
        : { ...event, path: `${base}/${event.path}` },
    );
}

export interface NodeWorkSettings {
  /** How long a control-plane component may take to restart and be healthy (the roll's --health-timeout). */
  timeoutMs: number;
  /** The operator's machine: where the cluster file's kubelet binaries (`from`) are read. */
  machine: Host;
  /** Release kubelets, downloaded once for every node that takes them from bosun. */
  downloads: KubeletDownloads;
  /** The `*_proxy` variables handed to a control-plane node's components (this machine's, as `upgrade node` run here would). */
  proxyEnv: EnvVar[];
  /** The roll's id: names the backup a Windows node's files are restored from. */
  rollId: string;
}

function nodeOptions(node: string, settings: NodeWorkSettings): UpgradeOptions {
  return {
    overrides: new Set(),
    ignorePreflightErrors: new Set(),
    certificateRenewal: true,
    etcdUpgrade: true,
    timeoutMs: settings.timeoutMs,
    kubeconfigPath: `${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`,
    // The roll knows the node's name: a node whose kubelet.conf does not tell it is upgraded all the same.
    nodeName: node,
  };
}

/** `upgrade node` on one node, with the roll's Cluster door and the node's Host and kubelet install. */
function upgradeNode(settings: NodeWorkSettings) {
  return async ({ node, cluster, path, events }: NodeStepContext): Promise<void> => {
    const ctx: UpgradeContext = upgradeContext({
      doors: { host: node.host, cluster: async (): Promise<Cluster> => cluster, clock: systemClock },
      options: nodeOptions(node.name, settings),
      kubelet: kubeletInstaller(node.kubelet, settings.machine, settings.downloads),
      proxyEnv: settings.proxyEnv,
    });
    const windows = node.host.os === 'windows';
    if (windows) await takeBackup(node.host, settings.rollId, WINDOWS_UPGRADE_FILES);
    await runWorkflow(nodePhases, ctx, { skip: [windows ? KUBELET_PHASE : RESTART_PHASE], sink: under(path, events) });
  };
}

export function upgradeNodeWork(settings: NodeWorkSettings): NodeSideWork {
  return {
    ...windowsNodeWork(settings),
    'upgrade-node': upgradeNode(settings),
    'kubelet-restart': ({ node }) => node.host.service('kubelet').restart(),
  };
}
