/**
 * Progress as typed events: phases, the node roll and the sandbox emit these; renderers (listr2 on a TTY, plain
 * lines, JSON lines) and tests subscribe. Nothing that does work prints progress itself.
 */

/** Where an event comes from: a phase path (`certs/apiserver`), or a roll's `node/<name>/<step>`, `batch/<n>`. */
export type EventPath = string;

export type ProgressEvent =
  | { type: 'started'; path: EventPath; title?: string; at: number }
  | { type: 'finished'; path: EventPath; at: number; ms: number }
  | { type: 'skipped'; path: EventPath; at: number; reason: string }
  | { type: 'failed'; path: EventPath; at: number; ms: number; error: string }
  /** A cleanup (rollback) of a phase that had run, after a later failure. */
  | { type: 'cleanup'; path: EventPath; at: number; ok: boolean; error?: string }
  /** One progress line, kubeadm style (`[certs] Generating "ca" certificate and key`). */
  | { type: 'log'; path: EventPath; at: number; line: string }
  /** Waiting for something outside bosun (a Pod Ready, a PDB allowing an eviction); `what` says for what. */
  | { type: 'wait'; path: EventPath; at: number; what: string; done?: boolean };

export type EventSink = (event: ProgressEvent) => void;

/** A sink that fans out to several (a renderer and a test's recorder, say). */
export function fanOut(...sinks: EventSink[]): EventSink {
  return (event) => {
    for (const sink of sinks) sink(event);
  };
}
