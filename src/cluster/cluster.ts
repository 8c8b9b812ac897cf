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
  list<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts?: { namespace?: string; labelSelector?: string; fieldSelector?: string },
  ): Promise<T[]>;
  /** Deletes; a missing object is not an error. */
  delete(ref: ObjectRef): Promise<void>;
  /** Watches until the predicate holds for the object (or the list), or rejects at the timeout. */
  watchUntil<T extends KubeObject>(
    ref: ObjectRef,
    predicate: (obj: T | undefined) => boolean,
    timeoutMs: number,
  ): Promise<T | undefined>;
  /** GET on a raw path (`/readyz`), returning status and body. */
  raw(path: string): Promise<{ status: number; body: string }>;
}
