/**
 * The roll's plan, pure: which nodes, in which batches, with which steps. Control-plane nodes go first, one at
 * a time; workers follow in batches of `--max-unavailable` (a count or a share of the workers), ordered by name
 * or by zone (a batch never spans two zones), with at most `--windows-max-unavailable` Windows workers in a batch.
 * Nodes already where the roll goes are left out: for an upgrade, those whose kubelet runs the target; for a
 * migration, as its caller tells from each node's files.
 */
import { UserError } from '../errors.js';
import { CONTROL_PLANE_LABEL, OS_LABEL, ZONE_LABEL } from '../kube/labels.js';
import type { Node } from '../kube/workloads.js';
import { nodeSteps, type NodeOS, type RollPurpose, type StepName } from './steps.js';

/** How a node is reached: `local` (this machine, or its files under a root directory) or `ssh`. */
export type ExecutorKind = 'local' | 'ssh';
export type Order = 'name' | 'zone';

/** `--max-unavailable`: a node count or a percentage of the workers. */
export type MaxUnavailable = { count: number } | { percent: number };

/** `--max-unavailable` (of the workers) or `--windows-max-unavailable` (of the Windows workers). */
export function parseMaxUnavailable(text: string, flag = '--max-unavailable', of = 'the workers'): MaxUnavailable {
  const percent = /^(\d+)%$/.exec(text);
  if (percent && Number(percent[1]) > 0 && Number(percent[1]) <= 100) return { percent: Number(percent[1]) };
  if (/^\d+$/.test(text) && Number(text) > 0) return { count: Number(text) };
  throw new UserError(`${flag}: expected a node count (1, 5) or a percentage of ${of} (10%), got "${text}"`);
}

/** Workers per batch: the count, or the share of the workers rounded down, at least one. */
export function batchSize(max: MaxUnavailable, workers: number): number {
  return 'count' in max ? max.count : Math.max(1, Math.floor((workers * max.percent) / 100));
}

export interface PlannedNode {
  name: string;
  role: 'control-plane' | 'worker';
  os: NodeOS;
  zone?: string;
  executor: ExecutorKind;
  /** What it runs now: the kubelet version (upgrade), the runtime or the cgroup driver (migrations). */
  from: string;
  steps: StepName[];
}

export interface RollPlan {
  nodes: PlannedNode[];
  /** Node names per batch, in order. */
  batches: string[][];
  /** Nodes left out and why. */
  skipped: Array<{ node: string; reason: string }>;
}

export interface PlanInput {
  nodes: Node[];
  target: string;
  maxUnavailable: MaxUnavailable;
  /** At most this many Windows workers in a batch (`--windows-max-unavailable`), within `maxUnavailable`. */
  windowsMaxUnavailable?: MaxUnavailable;
  order: Order;
  /** The executor that runs a node's node-side steps, or why there is none. */
  executorFor(node: Node): ExecutorKind | { missing: string };
  /** What the roll does (default: upgrade). */
  purpose?: RollPurpose;
  /** Why a node needs nothing (it is already where the roll goes), or undefined; default: its kubelet runs the target. */
  alreadyDone?(node: Node): string | undefined;
  /** What a node runs now; default: its kubelet version. */
  from?(node: Node): string;
  /** Why a node cannot be rolled (its runtime is unreadable), or undefined. */
  refuse?(node: Node): string | undefined;
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export const sameVersion = (a: string | undefined, b: string) => a !== undefined && a.replace(/^v/, '') === b.replace(/^v/, '');

export function planRoll(input: PlanInput): RollPlan {
  const skipped: RollPlan['skipped'] = [];
  const problems: string[] = [];
  const planned: PlannedNode[] = [];
  for (const node of [...input.nodes].sort((a, b) => byName(a.metadata.name, b.metadata.name))) {
    const name = node.metadata.name;
    const from = input.from?.(node) ?? node.status?.nodeInfo?.kubeletVersion ?? 'unknown';
    const done = input.alreadyDone ? input.alreadyDone(node) : sameVersion(from, input.target) ? `its kubelet already runs ${input.target}` : undefined;
    if (done) {
      skipped.push({ node: name, reason: done });
      continue;
    }
    const refused = input.refuse?.(node);
    if (refused) {
      problems.push(`node ${name}: ${refused}`);
      continue;
    }
    const os = (node.status?.nodeInfo?.operatingSystem ?? node.metadata.labels?.[OS_LABEL] ?? 'linux') as NodeOS;
    if (os !== 'linux' && os !== 'windows') {
      problems.push(`node ${name}: operating system "${os}" is not one bosun upgrades`);
      continue;
    }
    if (os === 'windows' && input.purpose && input.purpose !== 'upgrade') {
      problems.push(`node ${name}: bosun migrates Linux nodes only`);
      continue;
    }
    const executor = input.executorFor(node);
    if (typeof executor !== 'string') {
      problems.push(`node ${name}: ${executor.missing}`);
      continue;
    }
    const role = node.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined ? 'control-plane' : 'worker';
    planned.push({ name, role, os, zone: node.metadata.labels?.[ZONE_LABEL], executor, from, steps: nodeSteps(os, input.purpose) });
  }
  if (problems.length) throw new UserError(`cannot plan the roll:\n  ${problems.join('\n  ')}`);

  const controlPlane = planned.filter((n) => n.role === 'control-plane');
  const workers = planned.filter((n) => n.role === 'worker');
  const size = batchSize(input.maxUnavailable, workers.length);
  const windowsWorkers = workers.filter((n) => n.os === 'windows').length;
  const windowsSize = input.windowsMaxUnavailable ? batchSize(input.windowsMaxUnavailable, windowsWorkers) : size;
  const groups = input.order === 'zone' ? zones(workers) : [workers];
  const batches = [...controlPlane.map((n) => [n.name]), ...groups.flatMap((group) => fill(group, size, windowsSize))];
  return { nodes: [...controlPlane, ...workers], batches, skipped };
}

/**
 * A group's workers in batches of `size`, in order, with at most `windowsSize` Windows nodes in each: a Windows
 * node that does not fit waits for the next batch while the Linux nodes after it fill this one.
 */
function fill(group: PlannedNode[], size: number, windowsSize: number): string[][] {
  const batches: string[][] = [];
  let waiting = group;
  while (waiting.length) {
    const batch: PlannedNode[] = [];
    let windows = 0;
    for (const node of waiting) {
      if (batch.length === size) break;
      if (node.os === 'windows' && windows === windowsSize) continue;
      if (node.os === 'windows') windows++;
      batch.push(node);
    }
    batches.push(batch.map((n) => n.name));
    waiting = waiting.filter((n) => !batch.includes(n));
  }
  return batches;
}

/** Workers grouped by zone (zones by name, nodes without one last), each group by name. */
function zones(workers: PlannedNode[]): PlannedNode[][] {
  const groups = new Map<string, PlannedNode[]>();
  for (const n of workers) groups.set(n.zone ?? '', [...(groups.get(n.zone ?? '') ?? []), n]);
  return [...groups.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : byName(a, b))).map((zone) => groups.get(zone)!);
}
