/** A Kubernetes object as bosun passes it around: typed values rendered by one emitter. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    ownerReferences?: Array<Record<string, unknown>>;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** One change seen by `Cluster.watch`: a full (re-)list, then additions, updates and deletions. */
export type CollectionEvent<T> = { type: 'LISTED'; items: T[] } | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T };

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** The API's answer to a pod eviction (201 evicted, 404 gone, 429 budget or rate limit, …), as data. */
export interface EvictionAnswer {
  code: number;
  reason: string;
  message: string;
  /** From the answer's Status details (the Retry-After the API server sets), when it gave one. */
  retryAfterSeconds?: number;
  /** Status causes (`DisruptionBudget`, `NamespaceTerminating`) with their messages. */
  causes: Array<{ reason?: string; message?: string }>;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * The cluster door: the only way bosun talks to the Kubernetes API.
 * Every error names the object and carries the API's reason.
 */
export interface Cluster {
  /** Server-side apply with field manager `bosun` (force conflicts off unless asked). */
  apply<T extends KubeObject>(obj: T, opts?: { force?: boolean }): Promise<T>;
  /** Creates the object (POST): for what a client may create but not patch, e.g. a CSR posted with a bootstrap token. */
  create<T extends KubeObject>(obj: T): Promise<T>;
  /** The object, or undefined on 404. */
  get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubeObject>(apiVersion: string, kind: string, opts?: { namespace?: string; labelSelector?: string; fieldSelector?: string }): Promise<T[]>;
  /** Deletes; a missing object is not an error. A uid precondition spares a same-name successor. */
  delete(ref: ObjectRef, opts?: { gracePeriodSeconds?: number; uid?: string }): Promise<void>;
  /**
   * JSON merge patch, on the object or its status. A `metadata.resourceVersion` in the patch makes it
   * conditional: a stale write fails with Conflict (409), which is how journals do optimistic concurrency.
   */
  patch<T extends KubeObject>(ref: ObjectRef, patch: unknown, opts?: { subresource?: 'status' }): Promise<T>;
  /**
   * Replaces the object or a subresource of it (PUT), conditional on its `metadata.resourceVersion`: a stale write fails
   * with Conflict (409). For what is granted as `update` alone, e.g. a CSR's `approval`, as `kubectl certificate
   * approve` sends it.
   */
  update<T extends KubeObject>(obj: T, opts?: { subresource?: 'approval' | 'status' }): Promise<T>;
  /** Evicts a pod through policy/v1 (PodDisruptionBudgets apply); every answer is returned, none thrown. */
  evict(pod: ObjectRef, opts?: { gracePeriodSeconds?: number }): Promise<EvictionAnswer>;
  /**
   * Lists, then follows the collection until `signal` aborts: `LISTED` with every item first (again after the
   * watch expired), then each change. Resumes after the server ends a watch and while the API is unreachable.
   */
  watch<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts: ListOptions,
    onEvent: (event: CollectionEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** Watches until the predicate holds for the object (or the list), or rejects at the timeout. */
  watchUntil<T extends KubeObject>(ref: ObjectRef, predicate: (obj: T | undefined) => boolean, timeoutMs: number): Promise<T | undefined>;
  /** GET on a raw path (`/readyz`), returning status and body. */
  raw(path: string): Promise<{ status: number; body: string }>;
}
