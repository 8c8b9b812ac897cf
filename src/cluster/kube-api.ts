import type { KubeObject, ListOptions, ObjectRef } from './cluster.js';
import { collectionPath, Discovery, type ResourceInfo } from './discovery.js';
import { systemProblem } from '../errors.js';
import { BAD_ANSWER, ClusterError, describeRef, statusOf, UNREACHABLE } from './errors.js';
import type { Request, Response, Transport } from './transport.js';

const PAGE_SIZE = '500';

interface ListBody<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

/** One line of a watch stream. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

export function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name };
}

/** Lists return items without apiVersion/kind; bosun's objects always carry them. */
export function typed<T extends KubeObject>(item: T, apiVersion: string, kind: string): T {
  return { ...item, apiVersion, kind };
}

/** How a collection call names its target in errors: `Pod ns/*`, `Node *`. */
export function collectionTarget(kind: string, namespace: string | undefined): string {
  return `${kind} ${namespace ? `${namespace}/*` : '*'}`;
}

/** The label and field selectors of a list or watch, set on its query. */
export function withSelectors(query: URLSearchParams, opts: ListOptions): URLSearchParams {
  if (opts.labelSelector) query.set('labelSelector', opts.labelSelector);
  if (opts.fieldSelector) query.set('fieldSelector', opts.fieldSelector);
  return query;
}

/**
 * The requests of one API server that the door's calls are made of: discovery, paging, streams. Every failure
 * is a ClusterError naming the action and the object.
 */
export class KubeApi {
  private readonly discovery: Discovery;

  constructor(private readonly transport: Transport) {
    this.discovery = new Discovery(async (path) => {
      const res = await this.send('discover', path, { method: 'GET', path });
      if (res.status === 404) return undefined;
      if (res.status !== 200) this.fail('discover', path, res);
      return this.json('discover', path, res);
    });
  }

  /** The API server's URL as the kubeconfig names it. */
  get server(): string {
    return this.transport.server;
  }

  objectPath(info: ResourceInfo, ref: ObjectRef): string {
    return `${collectionPath(info, ref.namespace)}/${encodeURIComponent(ref.name)}`;
  }

  /** The kind's resource; object calls on a namespaced kind need a namespace. */
  async resource(action: string, ref: ObjectRef, needsNamespace = true): Promise<ResourceInfo> {
    const target = describeRef(ref);
    let info: ResourceInfo | undefined;
    try {
      info = await this.discovery.resolve(ref.apiVersion, ref.kind);
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      throw new ClusterError(action, target, err.reason, `discovering ${ref.apiVersion}: ${err.detail}`, err.code);
    }
    if (!info) {
      throw new ClusterError(action, target, 'NotServed', `the API server does not serve ${ref.kind} in ${ref.apiVersion}`);
    }
    if (needsNamespace && info.namespaced && !ref.namespace) {
      throw new ClusterError(action, target, 'Invalid', `${ref.kind} is namespaced: metadata.namespace is required`);
    }
    return info;
  }

  async listPage<T>(action: string, target: string, path: string): Promise<ListBody<T>> {
    const res = await this.send(action, target, { method: 'GET', path });
    if (res.status !== 200) this.fail(action, target, res);
    return this.json<ListBody<T>>(action, target, res);
  }

  /** Every page of a collection (500 items a request), typed, with the resourceVersion a watch resumes from. */
  async listAll<T extends KubeObject>(
    action: string,
    apiVersion: string,
    kind: string,
    opts: ListOptions,
  ): Promise<{ items: T[]; resourceVersion: string; collection: string }> {
    const target = collectionTarget(kind, opts.namespace);
    const info = await this.resource(action, { apiVersion, kind, namespace: opts.namespace, name: '*' }, false);
    const collection = collectionPath(info, opts.namespace);
    const items: T[] = [];
    let resourceVersion = '';
    let next: string | undefined;
    do {
      const query = withSelectors(new URLSearchParams({ limit: PAGE_SIZE }), opts);
      if (next) query.set('continue', next);
      const page = await this.listPage<T>(action, target, `${collection}?${query}`);
      items.push(...(page.items ?? []).map((item) => typed(item, apiVersion, kind)));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      next = page.metadata?.continue || undefined;
    } while (next);
    return { items, resourceVersion, collection };
  }

  async send(action: string, target: string, req: Request): Promise<Response> {
    try {
      return await this.transport.request(req);
    } catch (err) {
      throw new ClusterError(action, target, UNREACHABLE, `${this.transport.server}: ${systemProblem(err) ?? (err as Error).message}`);
    }
  }

  /** An answer's JSON body; one that is not JSON (a proxy's HTML page) is a ClusterError, not the parser's message. */
  json<T>(action: string, target: string, res: Response): T {
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new ClusterError(action, target, BAD_ANSWER, `${this.transport.server} answered HTTP ${res.status} with a body that is not JSON`, res.status);
    }
  }

  /** A watch stream; `onEvent` returns true to end it. Ends by itself after `timeoutMs` or when `stop` aborts. */
  async stream(
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
      return await this.transport.stream(path, (line) => onEvent(this.json<WatchEvent>(action, target, { status: 200, body: line })), signal);
    } catch (err) {
      if (err instanceof ClusterError) throw err;
      throw new ClusterError(action, target, UNREACHABLE, `${this.transport.server}: ${systemProblem(err) ?? (err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  fail(action: string, target: string, res: Response): never {
    const status = statusOf(res.body, res.status);
    throw new ClusterError(action, target, status.reason, status.message, res.status);
  }
}
