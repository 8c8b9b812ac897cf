/**
 * What the roll runs on each node, in bosun's own process through the node's Host door: the `upgrade node` phases
 * (kubelet configuration from the kubelet-config ConfigMap, a control-plane node's static Pods, the kubelet
 * install the inventory chose) as the `upgrade-node` step, then the kubelet restarted by the node's service
 * manager as `kubelet-restart`, a step of its own in the journal.
 */
import type { Cluster } from '../../../cluster/cluster.js';
import type { Host } from '../../../host/host.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../../../kube/paths.js';
import type { NodeSideWork, NodeStepContext } from '../../../roll/nodes.js';
import type { EventPath, EventSink } from '../../../workflow/events.js';
import { flatten, type Phase, type PhaseIO } from '../../../workflow/phase.js';
import { PhaseError, selectedPaths } from '../../../workflow/run.js';
import type { UpgradeContext, UpgradeOptions } from '../context.js';
import { upgradeContext } from '../make-context.js';
import { nodePhases } from '../phases.js';
import { kubeletInstaller } from './kubelet-binary.js';

/** The roll restarts the kubelet as its own journaled step, after the phases. */
const RESTART_PHASE = 'kubelet/restart';

/**
 * Runs a phase tree in order, its progress as events under `base` (`node/<name>/upgrade-node/kubelet/install`);
 * the first failing phase stops it, named as the phase engine names it.
 */
async function runPhases<C>(tree: Phase<C>[], ctx: C, skip: string[], base: EventPath, sink: EventSink): Promise<void> {
  const selected = new Set(selectedPaths(tree, { skip }));
  for (const { path, phase } of flatten(tree)) {
    if (!selected.has(path) || !phase.run) continue;
    const at = `${base}/${path}`;
    const io: PhaseIO = { log: (line) => sink({ type: 'log', path: at, at: Date.now(), line }), selected: (p) => selected.has(p) };
    const started = Date.now();
    sink({ type: 'started', path: at, title: phase.description, at: started });
    try {
      await phase.run(ctx, io);
    } catch (err) {
      const failure = err instanceof PhaseError ? err : new PhaseError(path, err);
      sink({ type: 'failed', path: at, at: Date.now(), ms: Date.now() - started, error: failure.message });
      throw failure;
    }
    sink({ type: 'finished', path: at, at: Date.now(), ms: Date.now() - started });
  }
}

export interface NodeWorkSettings {
  /** How long a control-plane component may take to restart and be healthy (the roll's --health-timeout). */
  timeoutMs: number;
  /** The operator's machine: where the inventory's kubelet binaries are read. */
  machine: Host;
}

function nodeOptions(node: string, settings: NodeWorkSettings): UpgradeOptions {
  return {
    dryRun: false,
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
      host: node.host,
      options: nodeOptions(node.name, settings),
      kubelet: kubeletInstaller(node.kubelet, settings.machine),
      cluster: async (): Promise<Cluster> => cluster,
    });
    await runPhases(nodePhases, ctx, [RESTART_PHASE], path, events);
  };
}

export function upgradeNodeWork(settings: NodeWorkSettings): NodeSideWork {
  return {
    'upgrade-node': upgradeNode(settings),
    'kubelet-restart': ({ node }) => node.host.service('kubelet').restart(),
  };
}
