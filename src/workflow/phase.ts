/** What a running phase may tell the engine, and ask of it. */
export interface PhaseIO {
  /** One progress line (kubeadm style: `[certs] Generating "ca" certificate and key`). */
  log(line: string): void;
  /** Whether the phase at this path takes part in the run (a parent uses it to start its children's work early). */
  selected(path: string): boolean;
  /**
   * Waits for something outside bosun (`what`: "the API server to answer /readyz"), reported as a `wait` event.
   * `until` gets the run's signal; an interrupt ends the wait at once, even if `until` does not listen.
   */
  wait<T>(what: string, until: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Aborted when the run is interrupted (SIGINT/SIGTERM): long steps pass it on (fetch, timers) to stop early. */
  readonly signal: AbortSignal;
}

/**
 * A small named unit of work with a clear input (the context) and a clear effect.
 * A phase with children runs its own `run` (if any) before them; `phase <name>` on it runs them all.
 */
export interface Phase<C> {
  name: string;
  description: string;
  run?: (ctx: C, io: PhaseIO) => Promise<void>;
  phases?: Phase<C>[];
  /** A longer text for `help`, e.g. what the phase writes. */
  help?: string;
  /**
   * Whether the phase applies to this run (asked where its `run` would start); false skips it and its children,
   * reported as `skipped`. Like kubeadm's RunIf.
   */
  runIf?: (ctx: C) => boolean | Promise<boolean>;
  /**
   * Undoes what `run` did, when a later phase fails: the cleanups of the phases whose `run` completed are called
   * newest first. The failing phase's own cleanup is not called: it leaves no half-work behind itself.
   */
  cleanup?: (ctx: C, io: PhaseIO) => Promise<void>;
}

export interface PlannedPhase<C> {
  path: string;
  phase: Phase<C>;
  depth: number;
}

/** Every phase path in the tree, in run order (parents before children). */
export function flatten<C>(tree: Phase<C>[], prefix = '', depth = 0): PlannedPhase<C>[] {
  return tree.flatMap((phase) => {
    const path = prefix ? `${prefix}/${phase.name}` : phase.name;
    return [{ path, phase, depth }, ...flatten(phase.phases ?? [], path, depth + 1)];
  });
}

/** The paths a user may name (`--skip-phases`, `skipPhases`, `phase <path>`): `certs`, `certs/apiserver`, … */
export function phasePaths<C>(tree: Phase<C>[]): string[] {
  return flatten(tree).map((p) => p.path);
}
