/**
 * A small in-memory Cluster for the roll engine's unit tests: objects by kind and name, JSON merge patches with
 * resourceVersion preconditions (409 on a stale one), and watches that list and then follow changes.
 */
import type { Cluster, CollectionEvent, KubeObject, ObjectRef } from '../../../src/cluster/cluster.js';
import { ClusterError } from '../../../src/cluster/errors.js';

type Watcher = { kind: string; onEvent: (event: CollectionEvent<KubeObject>) => void };

function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (typeof value === 'object' && !Array.isArray(value))
      out[key] = mergePatch((out[key] as Record<string, unknown>) ?? {}, value as Record<string, unknown>);
    else out[key] = value;
  }
  return out;
}

export class FakeCluster implements Partial<Cluster> {
  readonly objects = new Map<string, KubeObject>();
  private readonly watchers = new Set<Watcher>();
  private version = 1;
  readonly patches: Array<{ ref: ObjectRef; patch: unknown }> = [];

  constructor(objects: KubeObject[] = []) {
    for (const o of objects) this.put(o);
  }

  private key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;

  put(obj: KubeObject): KubeObject {
    const stored = structuredClone({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.version) } });
    const key = this.key(obj.kind, obj.metadata.namespace, obj.metadata.name);
    const existed = this.objects.has(key);
    this.objects.set(key, stored);
    for (const w of this.watchers) if (w.kind === obj.kind) w.onEvent({ type: existed ? 'MODIFIED' : 'ADDED', object: structuredClone(stored) });
    return structuredClone(stored);
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const found = this.objects.get(this.key(ref.kind, ref.namespace, ref.name));
    return found && (structuredClone(found) as T);
  }

  async list<T extends KubeObject>(_apiVersion: string, kind: string): Promise<T[]> {
    return [...this.objects.values()].filter((o) => o.kind === kind).map((o) => structuredClone(o) as T);
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    if (this.objects.has(this.key(obj.kind, obj.metadata.namespace, obj.metadata.name)))
      throw new ClusterError('create', obj.metadata.name, 'AlreadyExists', 'exists', 409);
    return this.put(obj) as T;
  }

  async patch<T extends KubeObject>(ref: ObjectRef, patch: unknown): Promise<T> {
    this.patches.push({ ref, patch });
    const current = await this.get(ref);
    if (!current) throw new ClusterError('patch', ref.name, 'NotFound', 'not found', 404);
    const wanted = (patch as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
    if (wanted !== undefined && wanted !== current.metadata.resourceVersion)
      throw new ClusterError('patch', ref.name, 'Conflict', 'stale resourceVersion', 409);
    return this.put(mergePatch(current, patch as Record<string, unknown>) as KubeObject) as T;
  }

  async watch<T extends KubeObject>(
    _apiVersion: string,
    kind: string,
    _opts: unknown,
    onEvent: (event: CollectionEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const watcher: Watcher = { kind, onEvent: onEvent as Watcher['onEvent'] };
    this.watchers.add(watcher);
    onEvent({ type: 'LISTED', items: await this.list<T>('', kind) });
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    this.watchers.delete(watcher);
  }

  asCluster(): Cluster {
    return this as unknown as Cluster;
  }
}
