import type { Cluster, CollectionEvent, EvictionAnswer, KubeObject, ListOptions, ObjectRef } from './cluster.js';
import { ClusterError, describeRef, UNREACHABLE } from './errors.js';

export interface RecordedClusterAction {
  verb: 'apply' | 'create' | 'delete' | 'wait' | 'get' | 'patch' | 'update' | 'evict';
  target: string;
  /** The object acted on (every verb but a raw `get`). */
  ref?: ObjectRef;
  /** `patch` or `update` of a subresource (`status`, `approval`). */
  subresource?: string;
  object?: KubeObject;
}

const key = (ref: ObjectRef) => `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
const refOf = (obj: KubeObject): ObjectRef => ({
  apiVersion: obj.apiVersion,
  kind: obj.kind,
  namespace: obj.metadata.namespace,
  name: obj.metadata.name,
});

/** A dry run may target a control plane that does not run yet: no answer reads as nothing there (`missing` of the error). */
async function orMissing<T>(read: Promise<T>, missing: T | ((err: ClusterError) => T)): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof ClusterError && err.reason === UNREACHABLE) return missing instanceof Function ? missing(err) : missing;
    throw err;
  }
}

/**
 * The dry-run door: writes are recorded (and seen by later reads of this run), reads go to the real
 * API server when it answers, waits do not wait. Doors of one run may share one record (`actions`), in order.
 */
export class RecordingCluster implements Cluster {
  private readonly overlay = new Map<string, KubeObject | null>();

  constructor(
    private readonly inner: Cluster,
    readonly actions: RecordedClusterAction[] = [],
  ) {}

  async apply<T extends KubeObject>(obj: T): Promise<T> {
    this.overlay.set(key(refOf(obj)), obj);
    this.actions.push({ verb: 'apply', target: describeRef(refOf(obj)), ref: refOf(obj), object: obj });
    return obj;
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    this.overlay.set(key(refOf(obj)), obj);
    this.actions.push({ verb: 'create', target: describeRef(refOf(obj)), ref: refOf(obj), object: obj });
    return obj;
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    if (this.overlay.has(key(ref))) return (this.overlay.get(key(ref)) ?? undefined) as T | undefined;
    return orMissing(this.inner.get<T>(ref), undefined);
  }

  async list<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<T[]> {
    const listed = await orMissing(this.inner.list<T>(apiVersion, kind, opts), []);
    const byKey = new Map(listed.map((obj) => [key(refOf(obj)), obj]));
    // Recorded writes win; selectors are not evaluated on them (a dry run's reads are a best effort).
    for (const [k, obj] of this.overlay) {
      const [v, kd, ns] = k.split('|');
      if (v !== apiVersion || kd !== kind || (opts.namespace !== undefined && ns !== opts.namespace)) continue;
      if (obj) byKey.set(k, obj as T);
      else byKey.delete(k);
    }
    return [...byKey.values()];
  }

  async delete(ref: ObjectRef): Promise<void> {
    this.overlay.set(key(ref), null);
    this.actions.push({ verb: 'delete', target: describeRef(ref), ref });
  }

  async patch<T extends KubeObject>(ref: ObjectRef, patch: unknown, opts: { subresource?: 'status' } = {}): Promise<T> {
    this.actions.push({ verb: 'patch', target: `${describeRef(ref)}${opts.subresource ? `/${opts.subresource}` : ''}`, ref, subresource: opts.subresource });
    // Not merged: a dry run reports the patch, later reads see the object as it was.
    return ((await this.get<T>(ref)) ?? { ...ref, metadata: { name: ref.name, namespace: ref.namespace } }) as T;
  }

  async update<T extends KubeObject>(obj: T, opts: { subresource?: 'approval' | 'status' } = {}): Promise<T> {
    const ref = refOf(obj);
    const target = `${describeRef(ref)}${opts.subresource ? `/${opts.subresource}` : ''}`;
    this.actions.push({ verb: 'update', target, ref, subresource: opts.subresource, object: obj });
    // A subresource's update changes only that part: later reads see the object as it was, as for a patch.
    if (!opts.subresource) this.overlay.set(key(ref), obj);
    return obj;
  }

  async evict(pod: ObjectRef): Promise<EvictionAnswer> {
    this.actions.push({ verb: 'evict', target: describeRef(pod), ref: pod });
    return { code: 201, reason: 'Evicted', message: 'dry run', causes: [] };
  }

  /** The list as it is now; no changes follow in a dry run. */
  async watch<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts: ListOptions,
    onEvent: (event: CollectionEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    onEvent({ type: 'LISTED', items: await this.list<T>(apiVersion, kind, opts) });
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }

  async watchUntil<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    this.actions.push({ verb: 'wait', target: describeRef(ref), ref });
    return this.get<T>(ref);
  }

  async raw(path: string): Promise<{ status: number; body: string }> {
    this.actions.push({ verb: 'get', target: path });
    // The answer says why it is not the server's: a caller that reads it as data names the real cause.
    return orMissing(this.inner.raw(path), (err) => ({ status: 200, body: `ok (dry run: no API server answered: ${err.detail})` }));
  }
}
