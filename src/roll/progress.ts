/**
 * The roll's progress as the engine's typed events: each batch (`batch/<n>`) and each node's step
 * (`node/<name>/<step>`) started and finished or failed with its timing, waits for what is outside bosun, and the
 * roll's lines (`[upgrade/nodes] …`) as log events. Renderers and tests subscribe; the roll prints nothing itself.
 */
import type { EventPath, EventSink } from '../workflow/events.js';

export const batchPath = (index: number): EventPath => `batch/${index + 1}`;
export const stepPath = (node: string, step: string): EventPath => `node/${node}/${step}`;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class RollEvents {
  constructor(readonly sink: EventSink) {}

  /** One line of the roll's own (`path` empty) or of a batch or step. */
  log(line: string, path: EventPath = ''): void {
    this.sink({ type: 'log', path, at: Date.now(), line });
  }

  /** Runs `work` as the unit at `path`: started, then finished or failed, with how long it took. */
  async unit<T>(path: EventPath, work: () => Promise<T>, title?: string): Promise<T> {
    const started = Date.now();
    this.sink({ type: 'started', path, title, at: started });
    try {
      const result = await work();
      this.sink({ type: 'finished', path, at: Date.now(), ms: Date.now() - started });
      return result;
    } catch (err) {
      this.sink({ type: 'failed', path, at: Date.now(), ms: Date.now() - started, error: errorText(err) });
      throw err;
    }
  }

  /** Waits on `until` (a node Ready, the cluster healthy) as a wait event of `path`. */
  async wait<T>(path: EventPath, what: string, until: () => Promise<T>): Promise<T> {
    this.sink({ type: 'wait', path, at: Date.now(), what });
    const result = await until();
    this.sink({ type: 'wait', path, at: Date.now(), what, done: true });
    return result;
  }
}
