import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { constants as osConstants } from 'node:os';
import { probeOnce, probeTiming } from './probe.js';
import type { Probe } from './static-pod.js';

/** A container's state in the kubelet's words (the mirror Pod's containerStatuses are built from it). */
export interface ContainerState {
  name: string;
  image: string;
  state: 'waiting' | 'running' | 'terminated';
  /** Why it is waiting or terminated: ContainerCreating, CrashLoopBackOff, ErrImagePull, Completed, Error. */
  reason?: string;
  message?: string;
  pid?: number;
  startedAt?: string;
  restartCount: number;
  started: boolean;
  ready: boolean;
  lastTermination?: Termination;
}

export interface Termination {
  exitCode: number;
  signal?: string;
  reason: string;
  startedAt: string;
  finishedAt: string;
}

/** Everything needed to run one container as a host process. */
export interface ContainerPlan {
  pod: string;
  name: string;
  image: string;
  /** Binary and arguments, paths already mapped into the node; undefined when no binary serves the image. */
  argv?: string[];
  /** Why argv is missing (shown as ErrImagePull's message). */
  missing?: string;
  env: Record<string, string>;
  logFile: string;
  podIP: string;
  ports: Array<{ name?: string; containerPort: number }>;
  probes: { startup?: Probe; readiness?: Probe; liveness?: Probe };
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  terminationGraceMs: number;
}

/**
 * Restart back-off shaped like the kubelet's (it doubles from 10s to 5 min and forgives after 10 min of
 * running), scaled down for a sandbox where a failing component should be retried quickly.
 */
export const BACKOFF = { initialMs: 1_000, maxMs: 60_000, resetAfterMs: 120_000 };

const now = () => new Date().toISOString();

/** One container: started, probed, restarted after crashes with back-off, stopped on request. */
export class Container {
  private child?: ChildProcess;
  private timers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private exited?: Promise<void>;
  private backoffMs = 0;
  /** Counts starts, so a probe answer that arrives after a restart is dropped. */
  private generation = 0;
  readonly status: ContainerState;

  constructor(
    private readonly plan: ContainerPlan,
    private readonly onChange: () => void,
    private readonly log: (line: string) => void,
  ) {
    this.status = { name: plan.name, image: plan.image, state: 'waiting', reason: 'ContainerCreating', restartCount: 0, started: false, ready: false };
  }

  start(): void {
    if (this.stopping) return;
    if (!this.plan.argv) {
      this.set({ state: 'waiting', reason: 'ErrImagePull', message: this.plan.missing, pid: undefined });
      return;
    }
    const [binary, ...args] = this.plan.argv;
    mkdirSync(path.dirname(this.plan.logFile), { recursive: true });
    const fd = openSync(this.plan.logFile, 'a');
    writeSync(fd, `==== ${now()} bosun sandbox runner: starting ${this.plan.pod}/${this.plan.name}: ${this.plan.argv.join(' ')}\n`);
    const startedAt = now();
    this.generation++;
    const child = spawn(binary, args, { env: this.plan.env, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    this.child = child;
    let done!: () => void;
    this.exited = new Promise((resolve) => (done = resolve));
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (finished) return;
      finished = true;
      this.child = undefined;
      this.clearTimers();
      const exitCode = code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 128);
      const reason = error ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error';
      const ranMs = Date.now() - Date.parse(startedAt);
      this.status.lastTermination = { exitCode, signal: signal ?? undefined, reason, startedAt, finishedAt: now() };
      this.log(
        `${this.plan.pod}/${this.plan.name}: exited (${signal ?? `code ${exitCode}`})${error ? `: ${error.message}` : ''} after ${Math.round(ranMs / 1000)}s`,
      );
      done();
      if (this.stopping) return this.set({ state: 'terminated', reason, pid: undefined, started: false, ready: false });
      const policy = this.plan.restartPolicy;
      if (policy === 'Never' || (policy === 'OnFailure' && exitCode === 0)) {
        return this.set({ state: 'terminated', reason, pid: undefined, started: false, ready: false });
      }
      this.backoffMs = ranMs > BACKOFF.resetAfterMs || this.backoffMs === 0 ? BACKOFF.initialMs : Math.min(this.backoffMs * 2, BACKOFF.maxMs);
      this.set({
        state: 'waiting',
        reason: 'CrashLoopBackOff',
        message: `back-off ${this.backoffMs / 1000}s restarting failed container=${this.plan.name} pod=${this.plan.pod}`,
        pid: undefined,
        started: false,
        ready: false,
      });
      this.after(this.backoffMs, () => {
        this.status.restartCount++;
        this.start();
      });
    };
    child.on('error', (err) => finish(null, null, err));
    child.on('exit', (code, signal) => finish(code, signal));
    if (child.pid === undefined) return;
    this.log(`${this.plan.pod}/${this.plan.name}: started pid ${child.pid}`);
    this.set({ state: 'running', reason: undefined, message: undefined, pid: child.pid, startedAt, started: !this.plan.probes.startup, ready: false });
    this.startProbes();
  }

  /** SIGTERM to the container's process group, SIGKILL after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clearTimers();
    const child = this.child;
    if (!child?.pid) return this.set({ state: 'terminated', reason: 'Stopped', pid: undefined, started: false, ready: false });
    signalGroup(child.pid, 'SIGTERM');
    const kill = setTimeout(() => child.pid && signalGroup(child.pid, 'SIGKILL'), this.plan.terminationGraceMs);
    await this.exited;
    clearTimeout(kill);
  }

  /** Kills the process so that it is restarted (a failed liveness or startup probe). */
  private restart(why: string): void {
    this.log(`${this.plan.pod}/${this.plan.name}: ${why}, restarting`);
    if (this.child?.pid) signalGroup(this.child.pid, 'SIGKILL');
  }

  private startProbes(): void {
    const { startup, readiness, liveness } = this.plan.probes;
    const afterStarted = () => {
      this.set({ started: true, ready: !readiness });
      if (readiness) this.loop(readiness, (ok) => this.set({ ready: ok }));
      if (liveness) {
        this.loop(liveness, (ok, message) => {
          if (!ok) this.restart(`liveness probe failed: ${message}`);
        });
      }
    };
    if (!startup) return afterStarted();
    this.loop(startup, (ok, message) => {
      if (ok) {
        afterStarted();
        return true;
      }
      this.restart(`startup probe failed: ${message}`);
      return true;
    });
  }

  /**
   * Runs a probe every period; `onResult` hears each change past the thresholds (`ok`, or not ok with the
   * last failure's message) and returns true to end the loop.
   */
  private loop(probe: Probe, onResult: (ok: boolean, message: string) => boolean | void): void {
    const t = probeTiming(probe);
    let successes = 0;
    let failures = 0;
    const generation = this.generation;
    const tick = async () => {
      const result = await probeOnce(probe, this.plan.podIP, this.plan.ports);
      if (!this.child || generation !== this.generation) return;
      successes = result.ok ? successes + 1 : 0;
      failures = result.ok ? 0 : failures + 1;
      let stop: boolean | void = false;
      if (successes === t.successThreshold) stop = onResult(true, result.message);
      else if (failures === t.failureThreshold) stop = onResult(false, result.message);
      if (!stop) this.after(t.periodMs, tick);
    };
    this.after(t.initialDelayMs, tick);
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private set(fields: Partial<ContainerState>): void {
    Object.assign(this.status, fields);
    this.onChange();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
