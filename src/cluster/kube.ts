import { FIELD_MANAGER } from '../kube/paths.js';
import type { Cluster, EvictionAnswer, KubeObject, ListOptions, ObjectRef } from './cluster.js';
import { collectionPath } from './discovery.js';
import { describeRef, statusOf } from './errors.js';
import { KubeApi, refOf, typed } from './kube-api.js';
import { watchCollection, watchObject } from './kube-watch.js';
import type { Transport } from './transport.js';

/** DeleteOptions: a grace period (only when given, as kubectl sends it) and a uid precondition. */
function deleteOptions(opts: { gracePeriodSeconds?: number; uid?: string }) {
  return {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
    ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}),
  };
}

/** The cluster door over one API server: server-side apply, reads, watches; errors name the object. */
export class KubeCluster implements Cluster {
  private readonly api: KubeApi;

  constructor(transport: Transport) {
    this.api = new KubeApi(transport);
  }

  /** The API server's URL as the kubeconfig names it. */
  get server(): string {
    return this.api.server;
  }

  async apply<T extends KubeObject>(obj: T, opts: { force?: boolean } = {}): Promise<T> {
    const ref = refOf(obj);
    const info = await this.api.resource('apply', ref);
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: String(Boolean(opts.force)) });
    const res = await this.api.send('apply', describeRef(ref), {
      method: 'PATCH',
      path: `${this.api.objectPath(info, ref)}?${query}`,
      // JSON is YAML: the apply content type takes either.
      body: JSON.stringify(obj),
      contentType: 'application/apply-patch+yaml',
    });
    if (res.status >= 300) this.api.fail('apply', describeRef(ref), res);
    return this.api.json<T>('apply', describeRef(ref), res);
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    const ref = refOf(obj);
    const info = await this.api.resource('create', ref);
    const res = await this.api.send('create', describeRef(ref), {
      method: 'POST',
      path: `${collectionPath(info, ref.namespace)}?${new URLSearchParams({ fieldManager: FIELD_MANAGER })}`,
      body: JSON.stringify(obj),
    });
    if (res.status >= 300) this.api.fail('create', describeRef(ref), res);
    return this.api.json<T>('create', describeRef(ref), res);
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const info = await this.api.resource('get', ref);
    const res = await this.api.send('get', describeRef(ref), { method: 'GET', path: this.api.objectPath(info, ref) });
    if (res.status === 404) return undefined;
    if (res.status !== 200) this.api.fail('get', describeRef(ref), res);
    return this.api.json<T>('get', describeRef(ref), res);
  }

  async list<T extends KubeObject>(apiVersion: string, kind: string, opts: ListOptions = {}): Promise<T[]> {
    return (await this.api.listAll<T>('list', apiVersion, kind, opts)).items;
  }

  async delete(ref: ObjectRef, opts: { gracePeriodSeconds?: number; uid?: string } = {}): Promise<void> {
    const info = await this.api.resource('delete', ref);
    const res = await this.api.send('delete', describeRef(ref), {
      method: 'DELETE',
      path: this.api.objectPath(info, ref),
      body: opts.gracePeriodSeconds !== undefined || opts.uid ? JSON.stringify(deleteOptions(opts)) : undefined,
    });
    if (res.status >= 300 && res.status !== 404) this.api.fail('delete', describeRef(ref), res);
  }

  async patch<T extends KubeObject>(ref: ObjectRef, patch: unknown, opts: { subresource?: 'status' } = {}): Promise<T> {
    return this.write<T>('patch', ref, opts.subresource, { method: 'PATCH', body: JSON.stringify(patch), contentType: 'application/merge-patch+json' });
  }

  async update<T extends KubeObject>(obj: T, opts: { subresource?: 'approval' | 'status' } = {}): Promise<T> {
    return this.write<T>('update', refOf(obj), opts.subresource, { method: 'PUT', body: JSON.stringify(obj) });
  }

  /** A PATCH or PUT of the object or one of its subresources; the answer is the object as written. */
  private async write<T extends KubeObject>(
    action: 'patch' | 'update',
    ref: ObjectRef,
    subresource: string | undefined,
    req: { method: 'PATCH' | 'PUT'; body: string; contentType?: string },
  ): Promise<T> {
    const info = await this.api.resource(action, ref);
    const sub = subresource ? `/${subresource}` : '';
    const res = await this.api.send(action, describeRef(ref), {
      ...req,
      path: `${this.api.objectPath(info, ref)}${sub}?${new URLSearchParams({ fieldManager: FIELD_MANAGER })}`,
    });
    if (res.status >= 300) this.api.fail(action, describeRef(ref), res);
    return typed(this.api.json<T>(action, describeRef(ref), res), ref.apiVersion, ref.kind);
  }

  async evict(pod: ObjectRef, opts: { gracePeriodSeconds?: number } = {}): Promise<EvictionAnswer> {
    const info = await this.api.resource('evict', pod);
    const eviction = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: pod.name, namespace: pod.namespace },
      // No uid precondition: the API charges the budget before it deletes, so a failed precondition would
      // spend a disruption without one (for two minutes). Callers compare uids themselves.
      deleteOptions: deleteOptions(opts),
    };
    const res = await this.api.send('evict', describeRef(pod), {
      method: 'POST',
      path: `${this.api.objectPath(info, pod)}/eviction`,
      body: JSON.stringify(eviction),
    });
    if (res.status < 300) return { code: res.status, reason: 'Evicted', message: '', causes: [] };
    const status = statusOf(res.body, res.status);
    let details: { retryAfterSeconds?: number; causes?: Array<{ reason?: string; message?: string }> } = {};
    try {
      details = (JSON.parse(res.body) as { details?: typeof details }).details ?? {};
    } catch {
      // a plain-text answer (API priority and fairness rejections) has no details
    }
    return {
      code: res.status,
      reason: status.reason,
      message: status.message,
      retryAfterSeconds: details.retryAfterSeconds || undefined,
      causes: details.causes ?? [],
    };
  }

  /** The collection watch of kube-watch.ts over this server. */
  readonly watch: Cluster['watch'] = (apiVersion, kind, opts, onEvent, signal) => watchCollection(this.api, apiVersion, kind, opts, onEvent, signal);

  /** The one-object watch of kube-watch.ts over this server. */
  readonly watchUntil: Cluster['watchUntil'] = (ref, predicate, timeoutMs) => watchObject(this.api, ref, predicate, timeoutMs);

  /** Health and version answers are a few KiB: a larger one is not one of them. */
  async raw(path: string): Promise<{ status: number; body: string }> {
    return this.api.send('GET', path, { method: 'GET', path, timeoutMs: 10_000, maxBytes: 1 << 20 });
  }
}
