import { existsSync, readdirSync } from 'node:fs';
import { UserError } from '../errors.js';
import { run, tryRun } from './exec.js';

/**
 * A sandbox's network: a host bridge and one network namespace per node, joined by a veth pair.
 * Each sandbox owns one /24 of 10.251.0.0/16 (its slot), so sandboxes can run side by side:
 * the bridge is .1 (the host's address there), nodes are .10 and up.
 */
export interface NetworkPlan {
  slot: number;
  bridge: string;
  /** Host address on the bridge, the nodes' default route. */
  gateway: string;
  prefixLength: 24;
}

export interface NodeNetwork {
  netns: string;
  address: string;
  /** The host side of the node's veth pair. */
  hostVeth: string;
}

const MAX_SLOT = 255;

export function networkPlan(slot: number): NetworkPlan {
  return { slot, bridge: `bosun${slot}`, gateway: `10.251.${slot}.1`, prefixLength: 24 };
}

/** The network of node number `index` (0 is the first control-plane node). */
export function nodeNetwork(plan: NetworkPlan, node: string, index: number): NodeNetwork {
  return { netns: `bosun${plan.slot}-${node}`, address: `10.251.${plan.slot}.${10 + index}`, hostVeth: `bosun${plan.slot}n${index}` };
}

/** Worker machines take .100 up to .253 of the sandbox's /24: the first 154 simulated workers get one. */
const WORKER_FIRST = 100;
export const WORKER_MACHINES = 154;

/**
 * The network of simulated worker number `index` (in the order of the state): its own namespace, so its sshd
 * listens on the address its Node reports. Workers past the /24 have no machine (undefined).
 */
export function workerNetwork(plan: NetworkPlan, node: string, index: number): NodeNetwork | undefined {
  if (index >= WORKER_MACHINES) return undefined;
  return { netns: `bosun${plan.slot}-${node}`, address: `10.251.${plan.slot}.${WORKER_FIRST + index}`, hostVeth: `bosun${plan.slot}w${index}` };
}

/** The InternalIP of a simulated worker's Node: its machine's address, or where its machine would be. */
export function workerAddress(
  state: { network: NetworkPlan; nodes: Array<{ name: string; simulated: boolean; network?: NodeNetwork }> },
  node: { name: string; network?: NodeNetwork },
): string {
  return (
    node.network?.address ?? `10.251.${state.network.slot}.${WORKER_FIRST + state.nodes.filter((n) => n.simulated).findIndex((n) => n.name === node.name)}`
  );
}

/** DNS pods (CoreDNS, the tests' DNS servers) take .80 up to .99: control-plane nodes stay below, workers above. */
const DNS_POD_FIRST = 80;
export const DNS_PODS = 20;

/** The network of DNS pod number `index`: a namespace on the bridge, its address the pod's IP. */
export function dnsPodNetwork(plan: NetworkPlan, index: number): NodeNetwork {
  return { netns: `bosun${plan.slot}-dns${index}`, address: `10.251.${plan.slot}.${DNS_POD_FIRST + index}`, hostVeth: `bosun${plan.slot}d${index}` };
}

function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

const ip = (...args: string[]) => run('ip', args);

/**
 * Takes a slot by creating its bridge: creating a link that exists fails, so two sandboxes starting at
 * once never get the same slot. `wanted` is a stopped sandbox's own slot (its certificates name its
 * addresses); without it, the first free one.
 */
export async function claimNetwork(wanted?: number): Promise<NetworkPlan> {
  const used = new Set(
    readdirSync('/sys/class/net')
      .map((n) => /^bosun(\d+)$/.exec(n)?.[1])
      .filter(Boolean)
      .map(Number),
  );
  for (let slot = wanted ?? 0; slot <= (wanted ?? MAX_SLOT); slot++) {
    if (used.has(slot)) continue;
    const plan = networkPlan(slot);
    try {
      await ip('link', 'add', plan.bridge, 'type', 'bridge');
      return plan;
    } catch (err) {
      if (!linkExists(plan.bridge)) throw err;
    }
  }
  if (wanted !== undefined) {
    throw new UserError(
      `the sandbox's network ${networkPlan(wanted).gateway}/24 (bridge ${networkPlan(wanted).bridge}) is in use: ` +
        'another sandbox has it, or this one was not stopped cleanly ("bosun sandbox down" removes it)',
    );
  }
  throw new UserError('no free sandbox network: 256 bosun bridges exist');
}

/** Creates the bridge with the host's address; running it again changes nothing. */
export async function createBridge(plan: NetworkPlan): Promise<void> {
  if (!linkExists(plan.bridge)) await ip('link', 'add', plan.bridge, 'type', 'bridge');
  const addrs = await ip('-o', 'addr', 'show', 'dev', plan.bridge);
  if (!addrs.includes(` ${plan.gateway}/`)) await ip('addr', 'add', `${plan.gateway}/${plan.prefixLength}`, 'dev', plan.bridge);
  await ip('link', 'set', plan.bridge, 'up');
}

/**
 * eth0's MAC address, made from its IPv4 address (locally administered, 02:42 then the four bytes): a namespace made
 * again with the same address (a DNS pod after another) keeps its MAC, so the neighbours' ARP caches stay true.
 * A new MAC would leave them sending to the old one until their entries go stale, tens of seconds.
 */
export function macOf(address: string): string {
  return ['02', '42', ...address.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}

/** Creates the node's namespace (lo up, eth0 on the bridge, default route via the host); idempotent. */
export async function createNode(plan: NetworkPlan, node: NodeNetwork): Promise<void> {
  const inNode = (...args: string[]) => ip('netns', 'exec', node.netns, 'ip', ...args);
  if (!netnsExists(node.netns)) await ip('netns', 'add', node.netns);
  await inNode('link', 'set', 'lo', 'up');
  const hasEth0 = (await inNode('-o', 'link', 'show')).includes(' eth0:');
  if (!hasEth0) {
    // A host end without its peer is left from an interrupted run: start that pair again.
    if (linkExists(node.hostVeth)) await ip('link', 'del', node.hostVeth);
    await ip('link', 'add', node.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'address', macOf(node.address), 'netns', node.netns);
  }
  await ip('link', 'set', node.hostVeth, 'master', plan.bridge, 'up');
  const addrs = await inNode('-o', 'addr', 'show', 'dev', 'eth0');
  if (!addrs.includes(` ${node.address}/`)) await inNode('addr', 'add', `${node.address}/${plan.prefixLength}`, 'dev', 'eth0');
  await inNode('link', 'set', 'eth0', 'up');
  await inNode('route', 'replace', 'default', 'via', plan.gateway);
}

/**
 * Takes the first free DNS pod network and creates it: adding a namespace that exists fails, so two pods starting
 * at once never get the same one.
 */
export async function claimDnsPodNetwork(plan: NetworkPlan): Promise<NodeNetwork> {
  for (let index = 0; index < DNS_PODS; index++) {
    const pod = dnsPodNetwork(plan, index);
    if (netnsExists(pod.netns)) continue;
    try {
      await ip('netns', 'add', pod.netns);
    } catch (err) {
      if (netnsExists(pod.netns)) continue;
      throw err;
    }
    await createNode(plan, pod);
    return pod;
  }
  throw new UserError(`no free DNS pod network: the sandbox on bridge ${plan.bridge} runs ${DNS_PODS} already`);
}

/**
 * Gives a pod a Service's ClusterIP as its own (what kube-proxy's DNAT does for one backend): the address in the
 * pod's namespace, and on the host a route to it through the pod's IP. Adding a route that exists fails: another
 * sandbox's pod has that address.
 */
export async function addServiceAddress(plan: NetworkPlan, pod: NodeNetwork, serviceIP: string): Promise<void> {
  await ip('netns', 'exec', pod.netns, 'ip', 'addr', 'add', `${serviceIP}/32`, 'dev', 'eth0');
  await ip('route', 'add', `${serviceIP}/32`, 'via', pod.address, 'dev', plan.bridge).catch((err: Error) => {
    throw new UserError(`${serviceIP}: this machine already routes it (another sandbox's DNS pod?): ${err.message}`);
  });
}

/** Removes the host's route to a pod's Service address, if it still goes to that pod. */
export async function removeServiceAddress(plan: NetworkPlan, pod: NodeNetwork, serviceIP: string): Promise<void> {
  const route = ((await tryRun('ip', ['route', 'show', `${serviceIP}/32`, 'dev', plan.bridge])) ?? '').split(/\s+/);
  if (route[route.indexOf('via') + 1] === pod.address) await ip('route', 'del', `${serviceIP}/32`, 'via', pod.address, 'dev', plan.bridge);
}

/** The pids of every process in the node's namespace. */
export async function netnsPids(netns: string): Promise<number[]> {
  if (!netnsExists(netns)) return [];
  const out = (await tryRun('ip', ['netns', 'pids', netns])) ?? '';
  return out.split('\n').filter(Boolean).map(Number);
}

/** Deletes the node's namespace (its veth pair goes with it); a missing one is fine. */
export async function removeNode(node: NodeNetwork): Promise<void> {
  if (netnsExists(node.netns)) await ip('netns', 'del', node.netns);
  // The pair goes with the namespace, asynchronously: the host end may vanish while it is being deleted.
  if (linkExists(node.hostVeth))
    await ip('link', 'del', node.hostVeth).catch((err) => {
      if (linkExists(node.hostVeth)) throw err;
    });
}

export async function removeBridge(plan: NetworkPlan): Promise<void> {
  if (linkExists(plan.bridge)) await ip('link', 'del', plan.bridge);
}

/** The argv prefix that runs a command inside the node's namespace. */
export function inNetns(netns: string): string[] {
  return ['ip', 'netns', 'exec', netns];
}
