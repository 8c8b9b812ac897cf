import type { Cluster, KubeObject, ListOptions } from '../../cluster/cluster.js';

const keyOf = (obj: KubeObject) => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

/**
 * A live copy of one collection (a node's pods, every PodDisruptionBudget, every Node): one list and one watch
 * instead of a GET per object per second. Waiters are woken on every change; a failed watch fails them.
 */
export class Informer<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly listeners = new Set<() => void>();
  private readonly controller = new AbortController();
  private failure: unknown;
  /** Resolves once the first list is in. */
  readonly synced: Promise<void>;

  constructor(cluster: Cluster, apiVersion: string, kind: string, opts: ListOptions = {}) {
    let markSynced!: () => void;
    let failSync!: (err: unknown) => void;
    this.synced = new Promise((resolve, reject) => {
      markSynced = resolve;
      failSync = reject;
    });
    cluster
      .watch<T>(
        apiVersion,
        kind,
        opts,
        (event) => {
          if (event.type === 'LISTED') {
            this.items.clear();
            for (const item of event.items) this.items.set(keyOf(item), item);
            markSynced();
          } else if (event.type === 'DELETED') {
            this.items.delete(keyOf(event.object));
          } else {
            this.items.set(keyOf(event.object), event.object);
          }
          this.notify();
        },
        this.controller.signal,
      )
      .catch((err: unknown) => {
        this.failure = err;
        failSync(err);
        this.notify();
      });
    // A failure before the first list is reported through `synced`; later ones through waiters.
    this.synced.catch(() => undefined);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(`${namespace ?? ''}/${name}`);
  }

  values(): T[] {
    return [...this.items.values()];
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves with the first truthy value of `check`, evaluated now and after each change; rejects when the
   * signal aborts (with its reason) or the watch fails.
   */
  async until<R>(check: () => R | undefined | false, signal?: AbortSignal): Promise<R> {
    await this.synced;
    return new Promise<R>((resolve, reject) => {
      const finish = (fn: () => void) => {
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const evaluate = () => {
        if (this.failure) return finish(() => reject(this.failure));
        try {
          const value = check();
          if (value) finish(() => resolve(value));
        } catch (err) {
          finish(() => reject(err));
        }
      };
      const onAbort = () => finish(() => reject(signal!.reason));
      const unsubscribe = this.subscribe(evaluate);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      evaluate();
    });
  }

  close(): void {
    this.controller.abort();
    this.listeners.clear();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
