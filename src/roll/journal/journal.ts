/**
 * A roll's journal: the plan (batches, nodes, steps) written before anything changes, then each step's state
 * (`pending → running → done | failed`) before and after it runs. Resume continues at the first step not done;
 * steps are idempotent, so one that was running when bosun died simply runs again. Pure data and transitions.
 */
import type { DrainOptions } from '../../drain/planner/filters.js';
import type { ExecutorKind, MaxUnavailable, Order, RollPlan } from '../plan.js';
import { PURPOSES, type RollPurpose, type StepName } from '../steps.js';

export type StepState = 'pending' | 'running' | 'done' | 'failed';

export interface StepRecord {
  state: StepState;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

export interface NodeRecord {
  name: string;
  role: 'control-plane' | 'worker';
  os: 'linux' | 'windows';
  executor: ExecutorKind;
  /** The kubelet version before the roll. */
  from: string;
  /**
   * Whether this roll cordoned the node (it was schedulable before): only then does the roll uncordon it.
   * Recorded with the cordon step's `running` state, before the cordon is written.
   */
  cordonedByRoll?: boolean;
  steps: Array<{ name: StepName } & StepRecord>;
  /**
   * Set when a node-side step or the wait for Ready failed and the purpose's rollback ran: `rolled-back` (the
   * node's old files and services are back, it stays cordoned) or `rollback-failed`. `--resume` retries the node
   * from its first node-side step (after running a failed rollback again).
   */
  rollback?: { state: 'rolled-back' | 'rollback-failed'; step: StepName; at: string; error?: string };
}

export interface BatchRecord {
  nodes: string[];
  /** The health gate after the batch. */
  gate: StepRecord;
}

export interface RollSettings {
  maxUnavailable: MaxUnavailable;
  /** `--windows-max-unavailable`: the batches were planned with it; kept so a resumed roll shows it. */
  windowsMaxUnavailable?: MaxUnavailable;
  order: Order;
  nodeSelector?: string;
  pauseBetweenSeconds: number;
  healthTimeoutSeconds: number;
  drain: DrainOptions;
}

export type RollState = 'running' | 'done' | 'failed' | 'aborted';

export interface RollJournal {
  kind: 'NodeRoll';
  /** What the roll does; absent in journals written before migrations existed: an upgrade. */
  purpose?: RollPurpose;
  id: string;
  /** Increases with every write; of two copies (cluster, local file) the higher one is the newer. */
  revision: number;
  /** The lock identity of the process running the roll. */
  holder?: string;
  state: RollState;
  target: string;
  createdAt: string;
  updatedAt: string;
  settings: RollSettings;
  /** What was unhealthy before the roll: the health gate only fails on what is new. */
  baseline: { notReadyNodes: string[]; failingPods: string[] };
  /** Cluster-wide steps run once before any node (the cgroup-driver migration's kubelet-config ConfigMap). */
  before?: Array<{ name: string } & StepRecord>;
  batches: BatchRecord[];
  nodes: Record<string, NodeRecord>;
  /** Set by `--abort`: the roll stops after its current nodes and uncordons what it cordoned. */
  abortRequestedAt?: string;
  /** Why the roll stopped, for `--resume` and people. */
  message?: string;
}

export const now = (): string => new Date().toISOString();

export interface NewJournal {
  id: string;
  plan: RollPlan;
  target: string;
  settings: RollSettings;
  baseline: RollJournal['baseline'];
  purpose?: RollPurpose;
  /** Names of the cluster-wide steps run before any node. */
  before?: string[];
}

export const purposeOf = (j: RollJournal): RollPurpose => j.purpose ?? 'upgrade';

export function newJournal(input: NewJournal): RollJournal {
  const at = now();
  return {
    kind: 'NodeRoll',
    purpose: input.purpose ?? 'upgrade',
    id: input.id,
    revision: 0,
    state: 'running',
    target: input.target,
    createdAt: at,
    updatedAt: at,
    settings: input.settings,
    baseline: input.baseline,
    ...(input.before?.length ? { before: input.before.map((name) => ({ name, state: 'pending' as const })) } : {}),
    batches: input.plan.batches.map((nodes) => ({ nodes, gate: { state: 'pending' } })),
    nodes: Object.fromEntries(
      input.plan.nodes.map((n) => [
        n.name,
        {
          name: n.name,
          role: n.role,
          os: n.os,
          executor: n.executor,
          from: n.from,
          steps: n.steps.map((name) => ({ name, state: 'pending' as const })),
        },
      ]),
    ),
  };
}

export const isActive = (j: RollJournal): boolean => j.state === 'running' || j.state === 'failed';

export const nodeDone = (n: NodeRecord): boolean => n.steps.every((s) => s.state === 'done');

export function startStep(step: StepRecord): void {
  step.state = 'running';
  step.startedAt = now();
  delete step.error;
  delete step.finishedAt;
}

export function finishStep(step: StepRecord, error?: string): void {
  step.state = error === undefined ? 'done' : 'failed';
  step.finishedAt = now();
  if (error !== undefined) step.error = error;
}

/** Nodes this roll cordoned that are not uncordoned yet: what `--abort` gives back. */
export function cordonedNotReleased(j: RollJournal): NodeRecord[] {
  return Object.values(j.nodes).filter((n) => {
    const cordon = n.steps.find((s) => s.name === 'cordon')!;
    const uncordon = n.steps.find((s) => s.name === 'uncordon')!;
    return n.cordonedByRoll === true && cordon.state !== 'pending' && uncordon.state !== 'done';
  });
}

/** `12 of 20 nodes done; failed: worker-3 (drain: …)`. */
export function progress(j: RollJournal): string {
  const nodes = Object.values(j.nodes);
  const failed = nodes.flatMap((n) =>
    n.steps.filter((s) => s.state === 'failed').map((s) => `${n.name} (${s.name}: ${s.error}${n.rollback ? `; ${n.rollback.state}` : ''})`),
  );
  const before = (j.before ?? []).filter((s) => s.state === 'failed').map((s) => `${s.name}: ${s.error}`);
  const gates = j.batches.flatMap((b, i) => (b.gate.state === 'failed' ? [`health gate after batch ${i + 1}: ${b.gate.error}`] : []));
  const problems = [...before, ...failed, ...gates];
  return `${nodes.filter(nodeDone).length} of ${nodes.length} node(s) done${problems.length ? `; failed: ${problems.join('; ')}` : ''}`;
}

/**
 * Takes over, into this process's copy, what another process wrote after a write conflict: only `--abort`
 * writes a roll it does not run, so its request is all there is to take; the revision moves past both.
 */
export function absorbRemote(mine: RollJournal, remote: RollJournal): void {
  mine.revision = Math.max(mine.revision, remote.revision);
  mine.abortRequestedAt ??= remote.abortRequestedAt;
}

/**
 * Why a new roll cannot start over `j`: `a node roll (…) is unfinished (…): "bosun upgrade nodes --resume"
 * continues it, "--abort" ends it`, naming the command of its purpose (a migration over an upgrade, or the reverse).
 */
export function unfinishedMessage(j: RollJournal, starting: RollPurpose): string {
  const { what, command } = PURPOSES[purposeOf(j)];
  const kind = purposeOf(j) === starting ? 'a node roll' : `a ${what}`;
  return `${kind} (${j.id}) is unfinished (${progress(j)}): "${command} --resume" continues it, "--abort" ends it`;
}
