/** What a running phase may tell the engine. */
export interface PhaseIO {
  /** One progress line (kubeadm style: `[certs] Generating "ca" certificate and key`). */
  log(line: string): void;
  /** Whether the phase at this path takes part in the run (a parent uses it to start its children's work early). */
  selected(path: string): boolean;
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
