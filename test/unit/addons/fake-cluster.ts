/** An in-memory cluster for the addon engine's tests: server-side apply of the same object changes nothing, as on a real API server. */
import { isDeepStrictEqual } from 'node:util';
import type { Cluster, KubeObject, ObjectRef } from '../../../src/cluster/cluster.js';
import { ClusterError, TIMEOUT } from '../../../src/cluster/errors.js';

const key = (r: ObjectRef) => `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}|${r.name}`;
const refOf = (o: KubeObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
const body = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, generation: undefined } });

export class FakeCluster implements Partial<Cluster> {
  readonly objects = new Map<string, KubeObject>();
  readonly writes: string[] = [];
  readonly forced: string[] = [];
  private version = 0;

  /** `rollsOut`: an applied Deployment reads as rolled out at once (the controllers are not simulated). */
  constructor(
    objects: KubeObject[] = [],
    private readonly opts: { rollsOut?: boolean } = {},
  ) {
    for (const obj of objects) this.put(structuredClone(obj));
  }

  put(obj: KubeObject): void {
    this.objects.set(key(refOf(obj)), { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.version) } });
  }

  /** The stored object of that kind and name. */
  object<T extends KubeObject>(kind: string, name: string, namespace = 'kube-system'): T | undefined {
    return [...this.objects.values()].find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace) as T | undefined;
  }

  /** Writes that changed something so far. */
  get changes(): number {
    return this.writes.length;
  }

  async apply<T extends KubeObject>(obj: T, opts: { force?: boolean } = {}): Promise<T> {
    const existing = this.objects.get(key(refOf(obj)));
    if (opts.force) this.forced.push(key(refOf(obj)));
    if (existing && isDeepStrictEqual(body(existing), body({ ...existing, ...obj, metadata: { ...existing.metadata, ...obj.metadata } }))) return existing as T;
    this.writes.push(`apply ${obj.kind} ${obj.metadata.name}`);
    this.put(this.opts.rollsOut && obj.kind === 'Deployment' ? rolledOut({ ...(existing ?? {}), ...obj }) : { ...(existing ?? {}), ...obj });
    return this.objects.get(key(refOf(obj))) as T;
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    return this.objects.get(key(ref)) as T | undefined;
  }

  async list<T extends KubeObject>(apiVersion: string, kind: string, opts: { namespace?: string; labelSelector?: string } = {}): Promise<T[]> {
    const [k, v] = opts.labelSelector?.split('=') ?? [];
    return [...this.objects.values()].filter(
      (o) =>
        o.apiVersion === apiVersion &&
        o.kind === kind &&
        (opts.namespace === undefined || o.metadata.namespace === opts.namespace) &&
        (k === undefined || o.metadata.labels?.[k] === v),
    ) as T[];
  }

  async delete(ref: ObjectRef): Promise<void> {
    if (this.objects.delete(key(ref))) this.writes.push(`delete ${ref.kind} ${ref.name}`);
  }

  async patch<T extends KubeObject>(ref: ObjectRef, patch: { metadata?: { resourceVersion?: string }; data?: Record<string, string | null> }): Promise<T> {
    const existing = this.objects.get(key(ref)) as (KubeObject & { data: Record<string, string> }) | undefined;
    if (!existing) throw new ClusterError('patch', ref.name, 'NotFound', 'not found', 404);
    if (patch.metadata?.resourceVersion && patch.metadata.resourceVersion !== existing.metadata.resourceVersion) {
      throw new ClusterError('patch', ref.name, 'Conflict', 'stale', 409);
    }
    const data = { ...existing.data };
    for (const [k, v] of Object.entries(patch.data ?? {})) {
      if (v === null) delete data[k];
      else data[k] = v;
    }
    this.writes.push(`patch ${ref.kind} ${ref.name}`);
    this.put({ ...existing, data });
    return this.objects.get(key(ref)) as T;
  }

  /** No time passes here: the predicate holds now, or the wait times out. */
  async watchUntil<T extends KubeObject>(ref: ObjectRef, predicate: (obj: T | undefined) => boolean): Promise<T | undefined> {
    const obj = this.objects.get(key(ref)) as T | undefined;
    if (predicate(obj)) return obj;
    throw new ClusterError('wait for', ref.name, TIMEOUT, 'condition not met');
  }

  resourceVersions(): Record<string, string | undefined> {
    return Object.fromEntries([...this.objects].map(([k, o]) => [k, o.metadata.resourceVersion]));
  }

  asCluster(): Cluster {
    return this as unknown as Cluster;
  }
}

function rolledOut<T extends KubeObject>(obj: T): T {
  const replicas = (obj.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  return { ...obj, status: { observedGeneration: 1, replicas, updatedReplicas: replicas, availableReplicas: replicas } };
}
