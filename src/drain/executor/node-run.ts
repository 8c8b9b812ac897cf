/** One node's drain while it runs: its deadline, what each of its pods waits for, and saying so. */
import { setMaxListeners } from 'node:events';
import { UserError } from '../../errors.js';
import { podName, type Pod } from '../../kube/workloads.js';
import type { Informer } from './informer.js';

/** How often pods still waiting are listed when that changed, and after how many quiet turns anyway. */
const REPORT_MS = 5_000;
const REPEAT_EVERY = 6;

export interface DrainIO {
  /** kubectl's stdout lines: `evicting pod ns/x`, `pod/x evicted`. */
  out(line: string): void;
  /** Warnings, waits and errors. */
  err(line: string): void;
}

/** Why a pod is not gone yet. */
export type PodWait = { kind: 'queued' | 'evicting' } | { kind: 'budget' | 'retry' | 'terminating'; detail: string };

/** A node that could not be drained; it stays cordoned. `errors` are kubectl's, one per pod or refusal. */
export class DrainError extends UserError {
  constructor(
    readonly node: string,
    readonly errors: string[],
    /** True when the filters refused before any eviction (nothing was evicted). */
    readonly refused: boolean,
  ) {
    // kubectl prints an aggregate of one error as that error, of several as `[a, b]`.
    super(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
    this.name = 'DrainError';
  }
}

/** Go's time.Duration text (`30s`, `1m30s`, `1h0m0s`), as kubectl prints its timeout. */
export function goDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = +(seconds % 60).toFixed(3);
  if (h) return `${h}h${m}m${s}s`;
  return m ? `${m}m${s}s` : `${s}s`;
}

/** One node's drain in progress: its pods' informer, deadline and what each pod waits for. */
export class NodeRun {
  readonly waits = new Map<string, PodWait>();
  readonly signal: AbortSignal;
  private readonly announced = new Set<string>();

  constructor(
    readonly node: string,
    readonly pods: Informer<Pod>,
    private readonly io: DrainIO,
    timeoutSeconds: number,
    outer?: AbortSignal,
  ) {
    const signals = outer ? [outer] : [];
    if (timeoutSeconds > 0) {
      const timer = new AbortController();
      setTimeout(() => timer.abort(new Error(`global timeout reached: ${goDuration(timeoutSeconds)}`)), timeoutSeconds * 1000).unref();
      signals.push(timer.signal);
    }
    this.signal = signals.length ? AbortSignal.any(signals) : new AbortController().signal;
    // Every pod of the node waits on this signal: hundreds of listeners are expected.
    setMaxListeners(0, this.signal);
  }

  wait(pod: Pod, wait: PodWait): void {
    this.waits.set(podName(pod), wait);
    // The first time a pod waits on a budget, say which, at once; the periodic report covers the rest.
    if (wait.kind === 'budget' && !this.announced.has(podName(pod))) {
      this.announced.add(podName(pod));
      this.io.err(`pod ${podName(pod)} on node ${this.node} waits: ${wait.detail}`);
    }
  }

  done(pod: Pod): void {
    this.waits.delete(podName(pod));
  }

  /** Pods still waiting, grouped by reason: `2 waiting on PodDisruptionBudget …: ns/a, ns/b; 1 terminating: ns/c`. */
  summary(): string {
    const groups = new Map<string, string[]>();
    for (const [pod, wait] of this.waits) {
      const reason = 'detail' in wait ? `${wait.kind === 'budget' ? 'waiting on ' : ''}${wait.detail}` : wait.kind;
      groups.set(reason, [...(groups.get(reason) ?? []), pod]);
    }
    return [...groups].map(([reason, pods]) => `${pods.length} ${reason}: ${pods.join(', ')}`).join('; ');
  }

  /**
   * Says every few seconds which pods are not gone yet, when that changed and now and then when it did not;
   * returns the function that stops it.
   */
  startReports(): () => void {
    let reported = '';
    let quiet = 0;
    const reporter = setInterval(() => {
      const summary = this.summary();
      quiet = summary === reported ? quiet + 1 : 0;
      if (summary && (quiet === 0 || quiet % REPEAT_EVERY === 0)) {
        this.io.err(`node ${this.node}: ${this.waits.size} pod(s) not gone yet: ${summary}`);
      }
      reported = summary;
    }, REPORT_MS).unref();
    return () => clearInterval(reporter);
  }
}
