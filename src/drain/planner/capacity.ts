/**
 * Whether the pods a drain evicts fit on the nodes that stay schedulable: their requests (cpu, memory, pod
 * slots) against what those nodes have left. An estimate, not the scheduler: node selectors, affinities and
 * tolerations are not evaluated, so tainted nodes are left out and a fit is necessary, not sufficient.
 */
import { isFinished, isNodeReady, type Node, type Pod } from '../../kube/workloads.js';

const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

/** A resource.Quantity (`100m`, `1.5Gi`, `2e3`) as a number of base units; undefined when malformed. */
export function parseQuantity(text: string | number | undefined): number | undefined {
  if (typeof text === 'number') return text;
  if (text === undefined) return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]);
  if (m[2]) return value * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return value * (BINARY[suffix] ?? DECIMAL[suffix]);
}

export type Resources = { cpu: number; memory: number; pods: number };

const sumRequests = (list: Array<{ resources?: { requests?: Record<string, string> } }> = [], name: 'cpu' | 'memory') =>
  list.reduce((total, c) => total + (parseQuantity(c.resources?.requests?.[name]) ?? 0), 0);

/** A pod's effective request: containers and sidecars, or the largest init container if more, plus overhead. */
export function podRequests(pod: Pod): Resources {
  const request = (name: 'cpu' | 'memory') => {
    const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
    const running = sumRequests(pod.spec.containers, name) + sumRequests(sidecars, name);
    const initPeak = Math.max(0, ...(pod.spec.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always').map((c) => sumRequests([c], name)));
    return Math.max(running, initPeak) + (parseQuantity(pod.spec.overhead?.[name]) ?? 0);
  };
  return { cpu: request('cpu'), memory: request('memory'), pods: 1 };
}

const add = (a: Resources, b: Resources): Resources => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, pods: a.pods + b.pods });
const ZERO: Resources = { cpu: 0, memory: 0, pods: 0 };

/** Nodes new pods may land on: Ready, schedulable, without NoSchedule/NoExecute taints, not being drained. */
export function placementTargets(nodes: Node[], draining: Set<string>): Node[] {
  return nodes.filter(
    (n) =>
      !draining.has(n.metadata.name) &&
      isNodeReady(n) &&
      !n.spec?.unschedulable &&
      !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
  );
}

/** What a node has left: allocatable minus the requests of its unfinished pods. */
export function freeOn(node: Node, pods: Pod[]): Resources {
  const used = pods
    .filter((p) => p.spec.nodeName === node.metadata.name && !isFinished(p))
    .map(podRequests)
    .reduce(add, ZERO);
  const alloc = node.status?.allocatable ?? {};
  return {
    cpu: (parseQuantity(alloc.cpu) ?? 0) - used.cpu,
    memory: (parseQuantity(alloc.memory) ?? 0) - used.memory,
    pods: (parseQuantity(alloc.pods) ?? 0) - used.pods,
  };
}

export interface CapacityCheck {
  fits: boolean;
  targets: number;
  needed: Resources;
  free: Resources;
  /** Pods whose request alone fits on no target node. */
  unplaceable: string[];
  /** One line for people: what is short, or that it fits. */
  summary: string;
}

const fmt = (r: Resources) => `${+r.cpu.toFixed(3)} cpu, ${Math.round(r.memory / 2 ** 20)}Mi memory, ${r.pods} pod(s)`;

/** Checks `evicted` (pods leaving `draining` nodes) against the free room of every other placement target. */
export function checkCapacity(evicted: Pod[], allPods: Pod[], nodes: Node[], draining: Set<string>): CapacityCheck {
  const targets = placementTargets(nodes, draining);
  const frees = targets.map((n) => freeOn(n, allPods));
  const free = frees.reduce(add, ZERO);
  const needed = evicted.map(podRequests).reduce(add, ZERO);
  const unplaceable = evicted
    .filter((p) => {
      const r = podRequests(p);
      return !frees.some((f) => f.cpu >= r.cpu && f.memory >= r.memory && f.pods >= 1);
    })
    .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  const fits = needed.cpu <= free.cpu && needed.memory <= free.memory && needed.pods <= free.pods && unplaceable.length === 0;
  const summary = fits
    ? `the evicted pods (${fmt(needed)}) fit on ${targets.length} other node(s) (free: ${fmt(free)})`
    : `the evicted pods need ${fmt(needed)} but ${targets.length} other schedulable node(s) have ${fmt(free)} free` +
      (unplaceable.length ? `; no single node has room for ${unplaceable.join(', ')}` : '');
  return { fits, targets: targets.length, needed, free, unplaceable, summary };
}
