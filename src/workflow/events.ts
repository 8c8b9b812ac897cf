/**
 * Progress as typed events: phases, the node roll and the sandbox emit these; renderers (listr2 on a TTY, plain
 * lines, JSON lines) and tests subscribe. Nothing that does work prints progress itself.
 *
 * A run keeps one promise: every `started` is closed by exactly one `finished` or `failed` for the same path,
 * children's events come between their parent's; a phase that does not run gets one `skipped` and nothing else.
 */

/** Where an event comes from: a phase path (`certs/apiserver`), or a roll's `node/<name>/<step>`, `batch/<n>`. */
export type EventPath = string;

export type ProgressEvent =
  /** What a run (path '') or a part of it (a roll's batch) will go through, in order: lets a renderer draw it ahead. */
  | { type: 'planned'; path: EventPath; at: number; paths: EventPath[] }
  | { type: 'started'; path: EventPath; title?: string; at: number }
  | { type: 'finished'; path: EventPath; at: number; ms: number }
  | { type: 'skipped'; path: EventPath; at: number; reason: string }
  | { type: 'failed'; path: EventPath; at: number; ms: number; error: string }
  /** A cleanup (rollback) of a phase that had run, after a later failure. */
  | { type: 'cleanup'; path: EventPath; at: number; ms: number; ok: boolean; error?: string }
  /** One progress line, kubeadm style (`[certs] Generating "ca" certificate and key`). */
  | { type: 'log'; path: EventPath; at: number; line: string }
  /** Waiting for something outside bosun (a Pod Ready, a PDB allowing an eviction); `what` says for what. */
  | { type: 'wait'; path: EventPath; at: number; what: string; done?: boolean };

/**
 * Receives events as they happen. A sink that draws asynchronously (listr2) also says, through `drained`, when
 * everything it was given is on screen: a run awaits it before it returns or throws, so an error printed next
 * lands below the progress, not inside it.
 */
export type EventSink = ((event: ProgressEvent) => void) & { drained?: () => Promise<void> };

/** A sink that fans out to several (a renderer and a test's recorder, say). */
export function fanOut(...sinks: EventSink[]): EventSink {
  const sink: EventSink = (event) => {
    for (const each of sinks) each(event);
  };
  sink.drained = async () => {
    await Promise.all(sinks.map((each) => each.drained?.()));
  };
  return sink;
}

/** A sink that drops everything: a run nobody watches (tests that assert on effects, not progress). */
export const noProgress: EventSink = () => undefined;
