import type { Cluster, CollectionEvent, EvictionAnswer, KubeObject, ListOptions, ObjectRef } from './cluster.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterError } from './errors.js';
import { clusterRoleBinding, group } from '../kube/objects.js';

/** How long admin.conf may be refused after its binding was written: 50 × 100 ms. */
const AUTHORIZED_ATTEMPTS = 50;
const AUTHORIZED_RETRY_MS = 100;

/** kubeadm's group for admin.conf, and the binding that gives it cluster-admin. */
export const CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins';
export const clusterAdminsBinding = () => clusterRoleBinding(CLUSTER_ADMINS_GROUP, 'cluster-admin', [group(CLUSTER_ADMINS_GROUP)]);

/**
 * admin.conf's user is in `kubeadm:cluster-admins`, which has no rights until its ClusterRoleBinding exists, and on a
 * fresh cluster only super-admin.conf (`system:masters`) may create that. Like kubeadm's init client, this Cluster
 * makes sure of the binding before its first object call: admin.conf reads it when it already may, else
 * super-admin.conf applies it. Raw GETs (health checks) need no rights and go straight through.
 */
export class AdminCluster implements Cluster {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly admin: Cluster,
    private readonly superAdmin: () => Promise<Cluster>,
  ) {}

  private ensure(): Promise<void> {
    this.ready ??= this.bind().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async bind(): Promise<void> {
    const binding = clusterAdminsBinding();
    try {
      const found = await this.admin.get({ apiVersion: binding.apiVersion, kind: binding.kind, name: binding.metadata.name });
      if (!found) await this.admin.apply(binding);
    } catch (err) {
      if (!(err instanceof ClusterError) || err.code !== 403) throw err;
      await (await this.superAdmin()).apply(binding);
      await this.authorized(binding);
    }
  }

  /**
   * The API server's authorizer sees a new binding a moment after it is written (its RBAC cache): until then
   * admin.conf is still refused, so the first call after the binding waits for admin.conf to read it.
   */
  private async authorized(binding: KubeObject): Promise<void> {
    const ref = { apiVersion: binding.apiVersion, kind: binding.kind, name: binding.metadata.name };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.admin.get(ref);
        return;
      } catch (err) {
        if (!(err instanceof ClusterError) || err.code !== 403 || attempt >= AUTHORIZED_ATTEMPTS) throw err;
        await sleep(AUTHORIZED_RETRY_MS);
      }
    }
  }

  async apply<T extends KubeObject>(obj: T, opts?: { force?: boolean }): Promise<T> {
    await this.ensure();
    return this.admin.apply(obj, opts);
  }
  async create<T extends KubeObject>(obj: T): Promise<T> {
    await this.ensure();
    return this.admin.create(obj);
  }
  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    await this.ensure();
    return this.admin.get<T>(ref);
  }
  async list<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts?: { namespace?: string; labelSelector?: string; fieldSelector?: string },
  ): Promise<T[]> {
    await this.ensure();
    return this.admin.list<T>(apiVersion, kind, opts);
  }
  async delete(ref: ObjectRef, opts?: { gracePeriodSeconds?: number; uid?: string }): Promise<void> {
    await this.ensure();
    return this.admin.delete(ref, opts);
  }
  async patch<T extends KubeObject>(ref: ObjectRef, patch: unknown, opts?: { subresource?: 'status' }): Promise<T> {
    await this.ensure();
    return this.admin.patch<T>(ref, patch, opts);
  }
  async update<T extends KubeObject>(obj: T, opts?: { subresource?: 'approval' | 'status' }): Promise<T> {
    await this.ensure();
    return this.admin.update(obj, opts);
  }
  async evict(pod: ObjectRef, opts?: { gracePeriodSeconds?: number }): Promise<EvictionAnswer> {
    await this.ensure();
    return this.admin.evict(pod, opts);
  }
  async watch<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts: ListOptions,
    onEvent: (event: CollectionEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    await this.ensure();
    return this.admin.watch(apiVersion, kind, opts, onEvent, signal);
  }
  async watchUntil<T extends KubeObject>(ref: ObjectRef, predicate: (obj: T | undefined) => boolean, timeoutMs: number): Promise<T | undefined> {
    await this.ensure();
    return this.admin.watchUntil(ref, predicate, timeoutMs);
  }
  raw(path: string): Promise<{ status: number; body: string }> {
    return this.admin.raw(path);
  }
}
