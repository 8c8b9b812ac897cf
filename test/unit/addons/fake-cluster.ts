/**
 * An in-memory Cluster for addon plans: objects by kind, namespace and name; lists filtered by namespace and a
 * `key=value` label selector; apply replaces the object (counting the applies that changed something); an
 * applied Deployment reads as rolled out at once (the controllers are not simulated).
 */
import type { Cluster, KubeObject, ObjectRef } from '../../../src/cluster/cluster.js';
import { ClusterError, TIMEOUT } from '../../../src/cluster/errors.js';

const key = (r: ObjectRef) => `${r.kind}/${r.namespace ?? ''}/${r.name}`;
const refOf = (o: KubeObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });

export class FakeCluster {
  readonly objects = new Map<string, KubeObject>();
  /** Every write, in order: `apply Deployment kube-system/coredns`, `delete …`. */
  readonly writes: string[] = [];
  /** Applies that changed the stored object. */
  changes = 0;

  constructor(objects: KubeObject[] = []) {
    for (const o of objects) this.objects.set(key(refOf(o)), structuredClone(o));
  }

  object<T extends KubeObject>(kind: string, name: string, namespace = 'kube-system'): T | undefined {
    return this.objects.get(`${kind}/${namespace}/${name}`) as T | undefined;
  }

  asCluster(): Cluster {
    const cluster: Partial<Cluster> = {
      get: async <T extends KubeObject>(ref: ObjectRef) => structuredClone(this.objects.get(key(ref))) as T | undefined,
      list: async <T extends KubeObject>(_v: string, kind: string, opts: { namespace?: string; labelSelector?: string } = {}) => {
        const [label, value] = opts.labelSelector?.split('=') ?? [];
        return [...this.objects.values()]
          .filter((o) => o.kind === kind && (opts.namespace === undefined || o.metadata.namespace === opts.namespace))
          .filter((o) => label === undefined || o.metadata.labels?.[label] === value)
          .map((o) => structuredClone(o) as T);
      },
      apply: async <T extends KubeObject>(obj: T) => {
        this.writes.push(`apply ${obj.kind} ${obj.metadata.name}`);
        const stored = obj.kind === 'Deployment' ? rolledOut(obj) : structuredClone(obj);
        if (JSON.stringify(this.objects.get(key(refOf(obj)))) !== JSON.stringify(stored)) this.changes++;
        this.objects.set(key(refOf(obj)), stored);
        return obj;
      },
      delete: async (ref: ObjectRef) => {
        this.writes.push(`delete ${ref.kind} ${ref.name}`);
        this.objects.delete(key(ref));
      },
      watchUntil: async <T extends KubeObject>(ref: ObjectRef, predicate: (obj: T | undefined) => boolean) => {
        this.writes.push(`wait ${ref.kind} ${ref.name}`);
        const obj = this.objects.get(key(ref)) as T | undefined;
        if (!predicate(obj)) throw new ClusterError('wait for', ref.name, TIMEOUT, 'not rolled out');
        return obj;
      },
    };
    return cluster as Cluster;
  }
}

function rolledOut<T extends KubeObject>(obj: T): T {
  const replicas = (obj.spec as { replicas?: number }).replicas ?? 1;
  return { ...structuredClone(obj), status: { observedGeneration: 1, replicas, updatedReplicas: replicas, availableReplicas: replicas } };
}
