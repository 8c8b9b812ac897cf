import { describeError, EXIT_CODES, isRuntimeError, isSystemError, UserError } from '../errors.js';
import { noProgress, type EventSink, type ProgressEvent } from './events.js';
import { Interrupted, NEVER_ABORTED, phaseIO } from './io.js';
import { flatten, phasePaths, type Phase } from './phase.js';

export interface RunOptions {
  /** Phase paths not to run (`certs`, `certs/apiserver`); a parent skips its children. */
  skip?: string[];
  /** Run only this phase path and its children (`bosun init phase <path>`). */
  only?: string;
  /** Where the run's progress events go (a renderer, a test's recorder); without one the run is silent. */
  sink?: EventSink;
  /** Aborting it interrupts the run: no phase starts after it, and phases see it as `io.signal` (waits end at once). */
  signal?: AbortSignal;
}

// A runtime error's own message (`Cannot read properties of null`) names nothing the user can fix: described instead.
const messageOf = describeError;

/** Thrown when a phase fails; names the phase like kubeadm's "error execution phase …". */
export class PhaseError extends UserError {
  /** Cleanups that failed after this error, newest phase first (each also reported as a `cleanup` event). */
  readonly cleanupFailures: Array<{ path: string; error: string }> = [];

  constructor(
    readonly path: string,
    override readonly cause: unknown,
  ) {
    super(
      `error execution phase ${path}: ${messageOf(cause)}`,
      cause instanceof UserError ? cause.exitCode : isRuntimeError(cause) && !isSystemError(cause) ? EXIT_CODES.internal : 1,
    );
    this.name = 'PhaseError';
  }
}

/** Checks phase names given by the user against the tree. */
export function checkPhasePaths<C>(tree: Phase<C>[], paths: string[], flag: string): void {
  const known = new Set(phasePaths(tree));
  for (const path of paths) {
    if (!known.has(path)) {
      throw new UserError(`${flag}: unknown phase "${path}"; phases are: ${[...known].join(', ')}`);
    }
  }
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

const pathOf = (prefix: string, name: string) => (prefix ? `${prefix}/${name}` : name);

/** The phase paths whose own `run` a run will execute, in order (a phase whose runIf is false aside). */
export function selectedPaths<C>(tree: Phase<C>[], opts: RunOptions): string[] {
  const skip = opts.skip ?? [];
  return flatten(tree)
    .map((p) => p.path)
    .filter((path) => (opts.only === undefined || isWithin(path, opts.only)) && !skip.some((s) => isWithin(path, s)));
}

const SKIPPED_BY_FLAG = 'in the phases to skip';
const SKIPPED_BY_RUN_IF = 'its runIf condition is false';

/** An event as the engine hands it over, before it is stamped with the time. */
type Unstamped<E> = E extends unknown ? Omit<E, 'at'> : never;

/** One run of a phase tree: walks it in order, reports every step as an event, rolls back after a failure. */
class WorkflowRun<C> {
  private readonly selected: Set<string>;
  private readonly signal: AbortSignal;
  /** Cleanups of the phases whose `run` completed, in the order they ran. */
  private readonly completed: Array<{ path: string; cleanup: NonNullable<Phase<C>['cleanup']> }> = [];

  constructor(
    private readonly tree: Phase<C>[],
    private readonly ctx: C,
    private readonly opts: RunOptions,
    private readonly sink: EventSink,
  ) {
    this.selected = new Set(selectedPaths(tree, opts));
    this.signal = opts.signal ?? NEVER_ABORTED;
  }

  async run(): Promise<void> {
    this.emit({ type: 'planned', path: '', paths: this.plan(this.tree, '') });
    try {
      for (const phase of this.tree) await this.runPhase(phase, '');
    } catch (err) {
      await this.cleanUp(err as PhaseError);
      throw err;
    }
  }

  private emit(event: Unstamped<ProgressEvent>): void {
    this.sink({ ...event, at: Date.now() } as ProgressEvent);
  }

  /** A phase takes part when it is the chosen one (`phase <path>`), inside it, or one of its ancestors. */
  private inScope(path: string): boolean {
    const { only } = this.opts;
    return only === undefined || isWithin(path, only) || isWithin(only, path);
  }

  private skippedByFlag(path: string): boolean {
    return (this.opts.skip ?? []).some((s) => isWithin(path, s));
  }

  /** Every path that will get an event, in order: a skipped phase's children get none. */
  private plan(phases: Phase<C>[], prefix: string): string[] {
    return phases.flatMap((phase) => {
      const path = pathOf(prefix, phase.name);
      if (!this.inScope(path)) return [];
      return this.skippedByFlag(path) ? [path] : [path, ...this.plan(phase.phases ?? [], path)];
    });
  }

  /**
   * Runs one phase and its children. A phase failing before it starts (interrupted, or its runIf threw) is still
   * reported as started then failed, so every failure names a phase that was opened and closed.
   */
  private async runPhase(phase: Phase<C>, prefix: string): Promise<void> {
    const path = pathOf(prefix, phase.name);
    if (!this.inScope(path)) return;
    if (this.skippedByFlag(path)) return this.emit({ type: 'skipped', path, reason: SKIPPED_BY_FLAG });
    const started = Date.now();
    let open = false;
    try {
      if (this.signal.aborted) throw new Interrupted(this.signal.reason);
      const own = this.selected.has(path);
      if (own && phase.runIf && !(await phase.runIf(this.ctx))) return this.emit({ type: 'skipped', path, reason: SKIPPED_BY_RUN_IF });
      this.emit({ type: 'started', path, title: phase.description });
      open = true;
      // A chosen phase runs with its ancestors' `run` hooks skipped: they belong to the whole parent.
      if (own) await this.runOwn(phase, path);
      for (const child of phase.phases ?? []) await this.runPhase(child, path);
    } catch (err) {
      const error = err instanceof PhaseError ? err : new PhaseError(path, err);
      if (!open) this.emit({ type: 'started', path, title: phase.description });
      this.emit({ type: 'failed', path, ms: Date.now() - started, error: error.message });
      throw error;
    }
    this.emit({ type: 'finished', path, ms: Date.now() - started });
  }

  /** The phase's own `run`; whatever it throws once the run is interrupted counts as the interrupt. */
  private async runOwn(phase: Phase<C>, path: string): Promise<void> {
    const io = phaseIO(path, this.sink, { selected: (p) => this.selected.has(p), signal: this.signal });
    try {
      await phase.run?.(this.ctx, io);
    } catch (err) {
      throw this.signal.aborted ? new Interrupted(this.signal.reason) : err;
    }
    if (phase.cleanup) this.completed.push({ path, cleanup: phase.cleanup });
  }

  /** Rolls back the phases that completed, newest first; a cleanup that fails is reported and the next one runs. */
  private async cleanUp(error: PhaseError): Promise<void> {
    for (const { path, cleanup } of [...this.completed].reverse()) {
      const started = Date.now();
      try {
        await cleanup(this.ctx, phaseIO(path, this.sink, { selected: (p) => this.selected.has(p) }));
        this.emit({ type: 'cleanup', path, ms: Date.now() - started, ok: true });
      } catch (err) {
        error.cleanupFailures.push({ path, error: messageOf(err) });
        this.emit({ type: 'cleanup', path, ms: Date.now() - started, ok: false, error: messageOf(err) });
      }
    }
  }
}

/**
 * Runs a phase tree in order, reporting progress as events on `opts.sink`; the first failing phase stops the run,
 * the phases that completed are cleaned up (newest first), and the failure is thrown as a PhaseError.
 */
export async function runWorkflow<C>(tree: Phase<C>[], ctx: C, opts: RunOptions = {}): Promise<void> {
  checkPhasePaths(tree, opts.skip ?? [], '--skip-phases');
  if (opts.only !== undefined) checkPhasePaths(tree, [opts.only], 'phase');
  const sink = opts.sink ?? noProgress;
  try {
    await new WorkflowRun(tree, ctx, opts, sink).run();
  } finally {
    await sink.drained?.();
  }
}
