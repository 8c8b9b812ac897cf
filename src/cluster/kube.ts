import { setTimeout as sleep } from 'node:timers/promises';
import { FIELD_MANAGER } from '../kube/paths.js';
import type { Cluster, CollectionEvent, EvictionAnswer, KubeObject, ListOptions, ObjectRef } from './cluster.js';
import { collectionPath, Discovery, type ResourceInfo } from './discovery.js';
import { ClusterError, describeRef, isTransient, statusOf, TIMEOUT, UNREACHABLE } from './errors.js';
import type { Request, Response, Transport } from './transport.js';

/** How soon a wait tries again after a transient failure (an API server still starting answers in microseconds). */
const RETRY_MS = 50;
const PAGE_SIZE = '500';
/** A collection watch is renewed this often (the server ends it) and backs off to this while the API is away. */
const WATCH_SECONDS = 300;
const MAX_RETRY_MS = 2_000;

/** DeleteOptions: a grace period (only when given, as kubectl sends it) and a uid precondition. */
function deleteOptions(opts: { gracePeriodSeconds?: number; uid?: string }) {
  return {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
    ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}),
  };
}

interface ListBody<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}

/** Lists return items without apiVersion/kind; bosun's objects always carry them. */
function typed<T extends KubeObject>(item: T, apiVersion: string, kind: string): T {
  return { ...item, apiVersion, kind };
}

/** The cluster door over one API server: server-side apply, reads, watches; errors name the object. */
export class KubeCluster implements Cluster {
  private readonly discovery: Discovery;

  constructor(private readonly transport: Transport) {
    this.discovery = new Discovery(async (path) => {
      const res = await this.send('discover', path, { method: 'GET', path });
      if (res.status === 404) return undefined;
      if (res.status !== 200) this.fail('discover', path, res);
      return JSON.parse(res.body);
    });
  }

  /** The API server's URL as the kubeconfig names it. */
  get server(): string {
    return this.transport.server;
  }

  async apply<T extends KubeObject>(obj: T, opts: { force?: boolean } = {}): Promise<T> {
    const ref = refOf(obj);
    const info = await this.resource('apply', ref);
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: String(Boolean(opts.force)) });
    const res = await this.send('apply', describeRef(ref), {
      method: 'PATCH',
      path: `${this.objectPath(info, ref)}?${query}`,
      // JSON is YAML: the apply content type takes either.
      body: JSON.stringify(obj),
      contentType: 'application/apply-patch+yaml',
    });
    if (res.status >= 300) this.fail('apply', describeRef(ref), res);
    return JSON.parse(res.body) as T;
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    const ref = refOf(obj);
    const info = await this.resource('create', ref);
    const res = await this.send('create', describeRef(ref), {
      method: 'POST',
      path: `${collectionPath(info, ref.namespace)}?${new URLSearchParams({ fieldManager: FIELD_MANAGER })}`,
      body: JSON.stringify(obj),
    });
    if (res.status >= 300) this.fail('create', describeRef(ref), res);
    return JSON.parse(res.body) as T;
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const info = await this.resource('get', ref);
    const res = await this.send('get', describeRef(ref), { method: 'GET', path: this.objectPath(info, ref) });
    if (res.status === 404) return undefined;
    if (res.status !== 200) this.fail('get', describeRef(ref), res);
    return JSON.parse(res.body) as T;
  }

  async list<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<T[]> {
    const target = `${kind} ${opts.namespace ? `${opts.namespace}/*` : '*'}`;
    const info = await this.resource('list', { apiVersion, kind, namespace: opts.namespace, name: '*' }, false);
    const items: T[] = [];
    let next: string | undefined;
    do {
      const query = new URLSearchParams({ limit: PAGE_SIZE });
      if (opts.labelSelector) query.set('labelSelector', opts.labelSelector);
      if (opts.fieldSelector) query.set('fieldSelector', opts.fieldSelector);
      if (next) query.set('continue', next);
      const page = await this.listPage<T>('list', target, `${collectionPath(info, opts.namespace)}?${query}`);
      items.push(...(page.items ?? []).map((item) => typed(item, apiVersion, kind)));
      next = page.metadata?.continue || undefined;
    } while (next);
    return items;
  }

  async delete(ref: ObjectRef, opts: { gracePeriodSeconds?: number; uid?: string } = {}): Promise<void> {
    const info = await this.resource('delete', ref);
    const res = await this.send('delete', describeRef(ref), {
      method: 'DELETE',
      path: this.objectPath(info, ref),
      body: opts.gracePeriodSeconds !== undefined || opts.uid ? JSON.stringify(deleteOptions(opts)) : undefined,
    });
    if (res.status >= 300 && res.status !== 404) this.fail('delete', describeRef(ref), res);
  }

  async patch<T extends KubeObject>(ref: ObjectRef, patch: unknown, opts: { subresource?: 'status' } = {}): Promise<T> {
    const info = await this.resource('patch', ref);
    const sub = opts.subresource ? `/${opts.subresource}` : '';
    const res = await this.send('patch', describeRef(ref), {
      method: 'PATCH',
      path: `${this.objectPath(info, ref)}${sub}?${new URLSearchParams({ fieldManager: FIELD_MANAGER })}`,
      body: JSON.stringify(patch),
      contentType: 'application/merge-patch+json',
    });
    if (res.status >= 300) this.fail('patch', describeRef(ref), res);
    return typed(JSON.parse(res.body) as T, ref.apiVersion, ref.kind);
  }

  async evict(pod: ObjectRef, opts: { gracePeriodSeconds?: number } = {}): Promise<EvictionAnswer> {
    const info = await this.resource('evict', pod);
    const eviction = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: pod.name, namespace: pod.namespace },
      // No uid precondition: the API charges the budget before it deletes, so a failed precondition would
      // spend a disruption without one (for two minutes). Callers compare uids themselves.
      deleteOptions: deleteOptions(opts),
    };
    const res = await this.send('evict', describeRef(pod), {
      method: 'POST',
      path: `${this.objectPath(info, pod)}/eviction`,
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

  async watch<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts: ListOptions,
    onEvent: (event: CollectionEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const target = `${kind} ${opts.namespace ? `${opts.namespace}/*` : '*'}`;
    const selectors = (query: URLSearchParams) => {
      if (opts.labelSelector) query.set('labelSelector', opts.labelSelector);
      if (opts.fieldSelector) query.set('fieldSelector', opts.fieldSelector);
      return query;
    };
    let backoff = RETRY_MS;
    while (!signal.aborted) {
      try {
        const info = await this.resource('watch', { apiVersion, kind, namespace: opts.namespace, name: '*' }, false);
        const collection = collectionPath(info, opts.namespace);
        const items: T[] = [];
        let version = '';
        let next: string | undefined;
        do {
          const query = selectors(new URLSearchParams({ limit: PAGE_SIZE }));
          if (next) query.set('continue', next);
          const page = await this.listPage<T>('watch', target, `${collection}?${query}`);
          items.push(...(page.items ?? []).map((item) => typed(item, apiVersion, kind)));
          version = page.metadata?.resourceVersion ?? version;
          next = page.metadata?.continue || undefined;
        } while (next);
        onEvent({ type: 'LISTED', items });
        backoff = RETRY_MS;
        for (;;) {
          if (signal.aborted) return;
          const query = selectors(new URLSearchParams({ watch: 'true', resourceVersion: version, allowWatchBookmarks: 'true', timeoutSeconds: String(WATCH_SECONDS) }));
          let expired = false;
          const res = await this.stream('watch', target, `${collection}?${query}`, (WATCH_SECONDS + 30) * 1000, (event: WatchEvent) => {
            if (event.type === 'ERROR') return (expired = true);
            version = event.object.metadata?.resourceVersion ?? version;
            if (event.type !== 'BOOKMARK') onEvent({ type: event.type, object: typed(event.object as T, apiVersion, kind) });
            return false;
          }, signal);
          if (res.status === 410 || expired) break;
          if (res.status !== 200 && res.status !== 0) this.fail('watch', target, res);
        }
      } catch (err) {
        if (!isTransient(err) || signal.aborted) {
          if (signal.aborted) return;
          throw err;
        }
        await sleep(backoff, undefined, { signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, MAX_RETRY_MS);
      }
    }
  }

  /**
   * List, then watch from the list's resourceVersion (one object, by field selector); the watch is resumed after
   * the server ends it, re-listed when its version expired (410), and retried while the API server is unreachable.
   */
  async watchUntil<T extends KubeObject>(
    ref: ObjectRef,
    predicate: (obj: T | undefined) => boolean,
    timeoutMs: number,
  ): Promise<T | undefined> {
    const target = describeRef(ref);
    const deadline = Date.now() + timeoutMs;
    const selector = `metadata.name=${ref.name}`;
    let last: T | undefined;
    let lastError: ClusterError | undefined;
    while (Date.now() < deadline) {
      try {
        const info = await this.resource('watch', ref);
        const collection = collectionPath(info, ref.namespace);
        const page = await this.listPage<T>('watch', target, `${collection}?${new URLSearchParams({ fieldSelector: selector })}`);
        last = page.items?.[0] && typed(page.items[0], ref.apiVersion, ref.kind);
        if (predicate(last)) return last;
        let version = page.metadata?.resourceVersion ?? '';
        for (let remaining = deadline - Date.now(); remaining > 0; remaining = deadline - Date.now()) {
          const query = new URLSearchParams({
            watch: 'true',
            fieldSelector: selector,
            resourceVersion: version,
            allowWatchBookmarks: 'true',
            timeoutSeconds: String(Math.ceil(remaining / 1000)),
          });
          let outcome: 'met' | 'expired' | undefined;
          let failure: unknown;
          const res = await this.stream('watch', target, `${collection}?${query}`, remaining, (event: WatchEvent) => {
            if (event.type === 'ERROR') {
              outcome = 'expired';
              return true;
            }
            version = event.object.metadata?.resourceVersion ?? version;
            if (event.type === 'BOOKMARK') return false;
            last = event.type === 'DELETED' ? undefined : typed(event.object as T, ref.apiVersion, ref.kind);
            try {
              if (predicate(last)) outcome = 'met';
            } catch (err) {
              failure = err;
              return true;
            }
            return outcome === 'met';
          });
          if (failure) throw failure;
          if (outcome === 'met') return last;
          if (res.status === 410 || outcome === 'expired') break;
          if (res.status !== 200 && res.status !== 0) this.fail('watch', target, res);
        }
      } catch (err) {
        if (!isTransient(err)) throw err;
        lastError = err as ClusterError;
        await sleep(Math.max(0, Math.min(RETRY_MS, deadline - Date.now())));
      }
    }
    const state = last ? `last seen at resourceVersion ${last.metadata.resourceVersion}` : 'the object does not exist';
    const cause = lastError ? `; last error: ${lastError.message}` : '';
    throw new ClusterError('wait for', target, TIMEOUT, `condition not met within ${timeoutMs / 1000}s; ${state}${cause}`);
  }

  async raw(path: string): Promise<{ status: number; body: string }> {
    return this.send('GET', path, { method: 'GET', path, timeoutMs: 10_000 });
  }

  private objectPath(info: ResourceInfo, ref: ObjectRef): string {
    return `${collectionPath(info, ref.namespace)}/${encodeURIComponent(ref.name)}`;
  }

  /** The kind's resource; object calls on a namespaced kind need a namespace. */
  private async resource(action: string, ref: ObjectRef, needsNamespace = true): Promise<ResourceInfo> {
    const target = describeRef(ref);
    let info: ResourceInfo | undefined;
    try {
      info = await this.discovery.resolve(ref.apiVersion, ref.kind);
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      throw new ClusterError(action, target, err.reason, `discovering ${ref.apiVersion}: ${err.detail}`, err.code);
    }
    if (!info) throw new ClusterError(action, target, 'NotServed', `the API server does not serve ${ref.kind} in ${ref.apiVersion}`);
    if (needsNamespace && info.namespaced && !ref.namespace) {
      throw new ClusterError(action, target, 'Invalid', `${ref.kind} is namespaced: metadata.namespace is required`);
    }
    return info;
  }

  private async listPage<T>(action: string, target: string, path: string): Promise<ListBody<T>> {
    const res = await this.send(action, target, { method: 'GET', path });
    if (res.status !== 200) this.fail(action, target, res);
    return JSON.parse(res.body) as ListBody<T>;
  }

  private async send(action: string, target: string, req: Request): Promise<Response> {
    try {
      return await this.transport.request(req);
    } catch (err) {
      throw new ClusterError(action, target, UNREACHABLE, `${this.transport.server}: ${(err as Error).message}`);
    }
  }

  private async stream(
    action: string,
    target: string,
    path: string,
    timeoutMs: number,
    onEvent: (event: WatchEvent) => boolean,
    stop?: AbortSignal,
  ): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const signal = stop ? AbortSignal.any([controller.signal, stop]) : controller.signal;
    try {
      return await this.transport.stream(path, (line) => onEvent(JSON.parse(line) as WatchEvent), signal);
    } catch (err) {
      throw new ClusterError(action, target, UNREACHABLE, `${this.transport.server}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private fail(action: string, target: string, res: Response): never {
    const status = statusOf(res.body, res.status);
    throw new ClusterError(action, target, status.reason, status.message, res.status);
  }
}
