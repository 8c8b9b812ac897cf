/**
 * How the roll reaches each node and what it runs there. Every node gets one Host door (local: this machine, or
 * the node's files under a root directory; SSH: a machine of the cluster file) and its node-side steps run in
 * bosun's own process through it; what those steps do is given by the command (the `upgrade node` phases), not
 * known here, and neither is how a Host is opened.
 */
import type { Cluster } from '../cluster/cluster.js';
import { UserError } from '../errors.js';
import type { Host } from '../host/host.js';
import type { Node } from '../kube/workloads.js';
import type { EventSink } from '../workflow/events.js';
import { defaultKubeletInstall, type Inventory, type InventoryHost, type KubeletInstall, type Reach } from '../inventory/inventory.js';
import type { ExecutorKind } from './plan.js';
import type { NodeSideStep } from './steps.js';

/** One node as the roll reaches it. */
export interface ReachedNode {
  name: string;
  via: ExecutorKind;
  host: Host;
  kubelet: KubeletInstall;
  /** The cluster file's containerd install choice, if it gives one. */
  containerd?: KubeletInstall;
}

export interface NodeStepContext {
  node: ReachedNode;
  /** The kubelet version the roll goes to. */
  target: string;
  /** What the node ran before the roll (its journal's `from`: the kubelet version, for an upgrade). */
  from: string;
  cluster: Cluster;
  /** The step's event path (`node/<name>/<step>`): its progress goes to `events` under it. */
  path: string;
  events: EventSink;
  signal: AbortSignal;
}

/** What each node-side step does; a step a node's OS needs and this lacks stops that node with a clear error. */
export type NodeSideWork = Partial<Record<NodeSideStep, (ctx: NodeStepContext) => Promise<void>>>;

/**
 * What the roll needs of a host: how to reach it, how its kubelet is installed and, when the cluster file names it,
 * its operating system (checked against what its Node reports before anything changes).
 */
export type NodeAccess = Pick<InventoryHost, 'name' | 'reach' | 'kubelet' | 'containerd'> & Partial<Pick<InventoryHost, 'os'>>;

/** Opens the Host door of a host (once per host: the reacher keeps it). */
export type HostOpener = (host: NodeAccess) => Host;

const THIS_MACHINE: Reach = { via: 'local', root: '/' };

export async function runNodeSideStep(work: NodeSideWork, step: NodeSideStep, ctx: NodeStepContext): Promise<void> {
  const run = work[step];
  if (!run) throw new UserError(`node ${ctx.node.name}: this roll has no "${step}" step (its journal names a step of another roll)`);
  await run(ctx);
}

/** `--executor NODE=local` flags on top of the inventory: those nodes are this machine, at `/`. */
export function withExecutorFlags(inventory: Inventory, flags: string[]): Map<string, NodeAccess> {
  const merged = new Map<string, NodeAccess>(inventory);
  for (const flag of flags) {
    const [name, kind] = flag.split('=');
    if (!name || kind !== 'local') throw new UserError(`--executor: expected NODE=local, got "${flag}" (other nodes are reached as --inventory says)`);
    merged.set(name, {
      name,
      reach: THIS_MACHINE,
      kubelet: merged.get(name)?.kubelet ?? defaultKubeletInstall(THIS_MACHINE),
      containerd: merged.get(name)?.containerd,
      os: merged.get(name)?.os,
    });
  }
  return merged;
}

/**
 * Chooses how each node is reached: as the inventory says, else `local` for the node bosun runs on (by
 * hostname). Each node's Host is made once.
 */
export function nodeReacher(inventory: Map<string, NodeAccess>, hostname: string, open: HostOpener) {
  const reached = new Map<string, ReachedNode>();
  const entry = (name: string): NodeAccess | undefined =>
    inventory.get(name) ?? (name === hostname ? { name, reach: THIS_MACHINE, kubelet: defaultKubeletInstall(THIS_MACHINE) } : undefined);
  const kindOf = (node: Node): ExecutorKind | { missing: string } =>
    entry(node.metadata.name)?.reach.via ?? { missing: `bosun runs on ${hostname}, not on this node, and no --inventory names it` };
  const reach = (name: string): ReachedNode => {
    const found = entry(name);
    if (!found) throw new UserError(`node ${name}: the inventory does not name it (pass the roll's --inventory again)`);
    if (!reached.has(name)) reached.set(name, { name, via: found.reach.via, host: open(found), kubelet: found.kubelet, containerd: found.containerd });
    return reached.get(name)!;
  };
  /** Whether a node can be reached (a roll resumed without its inventory cannot reach the nodes it named). */
  const knows = (name: string): boolean => entry(name) !== undefined;
  return { kindOf, reach, knows, access: entry };
}
