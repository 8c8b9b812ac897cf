/**
 * Killing bosun with SIGKILL at chosen points and telling what each node went through: random kill points
 * reproducible from a seed, a run killed after a delay (`bosun apply`) or once the node roll's journal reaches a
 * revision or a state (`bosun upgrade nodes`), and every node's cordon and uncordon counted from a watch.
 */
import { spawn } from 'node:child_process';
import type { Cluster, KubeObject } from '../../src/cluster/cluster.js';
import type { Node } from '../../src/kube/workloads.js';
import type { RollJournal } from '../../src/roll/journal/journal.js';
import { BOSUN } from './sandbox.js';

export const PAUSE = 'registry.k8s.io/pause:3.10';

/** The Deployment `web` of `replicas` pause Pods under a budget of one unavailable: what a roll must never break. */
export const webUnderBudget = (replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: ${PAUSE}}]}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: default}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
`;

/** mulberry32: the kill points are random, and reproducible from CRASH_SEED. */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type CM = KubeObject & { data?: Record<string, string> };
export const journalOf = (cm: CM | undefined) => (cm?.data?.['journal.json'] ? (JSON.parse(cm.data['journal.json']) as RollJournal) : undefined);

/** Counts, per node, schedulable → cordoned and cordoned → schedulable transitions, from one watch of the Nodes. */
export function transitions(cluster: Cluster) {
  const controller = new AbortController();
  const last = new Map<string, boolean>();
  const cordons: Record<string, number> = {};
  const uncordons: Record<string, number> = {};
  let ready!: () => void;
  const listed = new Promise<void>((resolve) => (ready = resolve));
  const watching = cluster.watch<Node>(
    'v1',
    'Node',
    {},
    (e) => {
      for (const node of e.type === 'LISTED' ? e.items : e.type === 'DELETED' ? [] : [e.object]) {
        const name = node.metadata.name;
        const now = Boolean(node.spec?.unschedulable);
        const before = last.get(name);
        if (before === false && now) cordons[name] = (cordons[name] ?? 0) + 1;
        if (before === true && !now) uncordons[name] = (uncordons[name] ?? 0) + 1;
        last.set(name, now);
      }
      if (e.type === 'LISTED') ready();
    },
    controller.signal,
  );
  return {
    cordons,
    uncordons,
    listed,
    async stop() {
      controller.abort();
      await watching;
    },
  };
}

/**
 * `bosun <args>` in a process group of its own (as CI runs it); `kill()` SIGKILLs the whole group while it runs;
 * `onOutput` sees all the output so far as each piece arrives.
 */
export function startBosun(args: string[], onOutput?: (output: string) => void) {
  const child = spawn(process.execPath, [BOSUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' }, detached: true });
  let output = '';
  let running = true;
  const take = (d: Buffer) => {
    output += d;
    onOutput?.(output);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  child.on('exit', () => (running = false));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    exited,
    output: () => output,
    kill(): boolean {
      if (!running) return false;
      process.kill(-child.pid!, 'SIGKILL');
      return true;
    },
  };
}

/** Starts `bosun <args>` and SIGKILLs it once the roll's journal reaches `revision`; resolves with whether it was killed. */
export const rollAndKill = (cluster: Cluster, args: string[], revision: number) => rollAndKillWhen(cluster, args, (j) => j.revision >= revision);

/**
 * Starts `bosun <args>` and SIGKILLs it once a journal of this roll (running, not the last roll's) satisfies `when`;
 * resolves with whether it was killed, and the journal it was killed at.
 */
export function rollAndKillWhen(
  cluster: Cluster,
  args: string[],
  when: (j: RollJournal) => boolean,
): Promise<{ killed: boolean; code: number | null; output: string; at?: RollJournal }> {
  const run = startBosun(args);
  const controller = new AbortController();
  let killed = false;
  let at: RollJournal | undefined;
  void run.exited.then(() => controller.abort());
  void cluster.watch<CM>(
    'v1',
    'ConfigMap',
    { namespace: 'kube-system', fieldSelector: 'metadata.name=bosun-node-roll' },
    (e) => {
      for (const cm of e.type === 'LISTED' ? e.items : e.type === 'DELETED' ? [] : [e.object]) {
        const j = journalOf(cm);
        if (j && j.state === 'running' && when(j) && !killed) {
          killed = run.kill();
          at = j;
          controller.abort();
        }
      }
    },
    controller.signal,
  );
  return run.exited.then((code) => ({ killed, code, output: run.output(), at }));
}

/**
 * Starts `bosun <args>` and SIGKILLs it `ms` after its output first matches `from` (its start, without one) unless
 * it ended before; resolves with whether it was killed.
 */
export async function runAndKillAfter(args: string[], ms: number, from?: RegExp): Promise<{ killed: boolean; code: number | null; output: string }> {
  let killed = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => (timer ??= setTimeout(() => (killed = run.kill()), ms));
  const run = startBosun(args, (output) => from?.test(output) && arm());
  if (!from) arm();
  const code = await run.exited;
  clearTimeout(timer);
  return { killed, code, output: run.output() };
}
