import { UserError } from '../errors.js';
import type { EventPath, EventSink } from './events.js';
import type { PhaseIO } from './phase.js';

/** The signals that interrupt a run, and how a shell reports a process they ended: 128 + the signal's number. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** The run was interrupted: its signal was aborted (by SIGINT/SIGTERM at the CLI, whose name is the reason). */
export class Interrupted extends UserError {
  constructor(readonly reason: unknown) {
    super(typeof reason === 'string' ? `interrupted by ${reason}` : 'interrupted', (SIGNAL_EXIT_CODES as Record<string, number>)[String(reason)] ?? 1);
    this.name = 'Interrupted';
  }
}

/** What `work` settles to, or Interrupted as soon as `signal` aborts (work left running is its own to stop). */
export function untilInterrupted<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Interrupted(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    work()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A signal nobody aborts: runs without one, and cleanups (a rollback is not cut short by the interrupt that caused it). */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * The IO a phase at `path` gets: its lines and waits become events on `emit`. The engine makes one per phase;
 * a test calling a phase function directly makes its own.
 */
export function phaseIO(
  path: EventPath,
  emit: EventSink,
  { selected = () => true, signal = NEVER_ABORTED }: { selected?: (path: string) => boolean; signal?: AbortSignal } = {},
): PhaseIO {
  return {
    log: (line) => emit({ type: 'log', path, at: Date.now(), line }),
    selected,
    signal,
    async wait(what, until) {
      emit({ type: 'wait', path, at: Date.now(), what });
      try {
        return await untilInterrupted(() => until(signal), signal);
      } finally {
        emit({ type: 'wait', path, at: Date.now(), what, done: true });
      }
    },
  };
}
