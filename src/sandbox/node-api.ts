import { promises as fs } from 'node:fs';
import path from 'node:path';
import { kubeconfigTransport, type Transport } from '../cluster/transport.js';
import { statusOf } from '../cluster/errors.js';
import type { KubeObject } from '../cluster/cluster.js';

/**
 * The kubelet's own API calls, with the kubelet's identity (system:node:<name>). They differ from bosun's
 * cluster door on purpose: the Node authorizer lets a node POST its mirror Pods and PATCH their status,
 * but not server-side-apply Pods, so the runner speaks as a kubelet does.
 */
export interface NodeApi {
  readonly server: string;
  get<T extends KubeObject>(path: string): Promise<T | undefined>;
  list<T extends KubeObject>(path: string): Promise<T[]>;
  create<T extends KubeObject>(collectionPath: string, obj: T): Promise<T>;
  /** JSON merge patch (lists are replaced whole, as a kubelet's status update does). */
  mergePatch(path: string, patch: unknown): Promise<void>;
  delete(path: string): Promise<void>;
}

export class NodeApiError extends Error {
  constructor(
    readonly what: string,
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(`${what}: ${reason} (${code}): ${message}`);
  }
}

/**
 * Loads a kubeconfig that lives on the node: file references (`client-certificate: /var/lib/kubelet/pki/…`)
 * are node paths, so they are mapped into the node's rootfs before the client reads them.
 */
export async function nodeApi(rootfs: string, kubeconfigPath: string): Promise<NodeApi> {
  const text = await fs.readFile(path.join(rootfs, kubeconfigPath), 'utf8');
  const onNode = (file: string) => path.join(rootfs, path.resolve(path.dirname(kubeconfigPath), file));
  return new TransportNodeApi(await kubeconfigTransport(text, { source: kubeconfigPath, resolveFile: onNode }));
}

class TransportNodeApi implements NodeApi {
  constructor(private readonly transport: Transport) {}

  get server(): string {
    return this.transport.server;
  }

  async get<T extends KubeObject>(p: string): Promise<T | undefined> {
    const res = await this.transport.request({ method: 'GET', path: p, timeoutMs: 10_000 });
    if (res.status === 404) return undefined;
    return this.check<T>(`get ${p}`, res);
  }

  async list<T extends KubeObject>(p: string): Promise<T[]> {
    const res = await this.transport.request({ method: 'GET', path: p, timeoutMs: 10_000 });
    return this.check<{ items: T[] } & KubeObject>(`list ${p}`, res).items ?? [];
  }

  async create<T extends KubeObject>(collectionPath: string, obj: T): Promise<T> {
    const res = await this.transport.request({ method: 'POST', path: collectionPath, body: JSON.stringify(obj), timeoutMs: 10_000 });
    return this.check<T>(`create ${obj.kind} ${obj.metadata.name}`, res);
  }

  async mergePatch(p: string, patch: unknown): Promise<void> {
    const res = await this.transport.request({
      method: 'PATCH',
      path: p,
      body: JSON.stringify(patch),
      contentType: 'application/merge-patch+json',
      timeoutMs: 10_000,
    });
    this.check(`patch ${p}`, res);
  }

  async delete(p: string): Promise<void> {
    const res = await this.transport.request({
      method: 'DELETE',
      path: p,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }),
      timeoutMs: 10_000,
    });
    if (res.status !== 404) this.check(`delete ${p}`, res);
  }

  private check<T>(what: string, res: { status: number; body: string }): T {
    if (res.status >= 300) {
      const { reason, message } = statusOf(res.body, res.status);
      throw new NodeApiError(what, res.status, reason, message);
    }
    return JSON.parse(res.body) as T;
  }
}
