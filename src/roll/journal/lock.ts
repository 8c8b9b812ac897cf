import type { Cluster } from '../../cluster/cluster.js';
import type { Lease } from '../../kube/objects.js';
import { ClusterError } from '../../cluster/errors.js';
import { UserError } from '../../errors.js';
import { localMachine, processStartTime } from '../../host/machine.js';

export const LOCK_NAMESPACE = 'kube-system';
export const LOCK_NAME = 'bosun-node-roll';
const REF = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: LOCK_NAMESPACE, name: LOCK_NAME };
export const LOCK_SECONDS = 15;

/** A Lease's MicroTime: RFC 3339 with microseconds. */
const microTime = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** `host/pid/starttime`: who holds the lock, precise enough to tell a dead holder on this machine. */
export function processIdentity(pid = process.pid): string {
  return `${localMachine.hostname()}/${pid}/${processStartTime(pid) ?? '0'}`;
}

/** A holder on this machine whose process is gone (a kill -9): its lock need not be waited out. */
export function isDeadLocalHolder(identity: string): boolean {
  const [host, pid, start] = identity.split('/');
  return host === localMachine.hostname() && /^\d+$/.test(pid ?? '') && processStartTime(Number(pid)) !== start;
}

/**
 * The lock that keeps two bosun processes off one roll: a Lease held for LOCK_SECONDS and renewed every third
 * of that. It is free when nobody holds it, when its holder stopped renewing, or when its holder was a process
 * on this machine that no longer runs. Losing it (someone else took it) calls `onLost`.
 */
export class RollLock {
  private timer?: NodeJS.Timeout;
  private resourceVersion?: string;

  private constructor(
    private readonly cluster: Cluster,
    readonly identity: string,
    private readonly onLost: (why: string) => void,
  ) {}

  static async acquire(cluster: Cluster, identity: string, onLost: (why: string) => void): Promise<RollLock> {
    const lock = new RollLock(cluster, identity, onLost);
    await lock.take();
    lock.timer = setInterval(() => void lock.renew(), (LOCK_SECONDS * 1000) / 3);
    lock.timer.unref();
    return lock;
  }

  /** Who holds the lock now, if anyone (live or not). */
  static async holder(cluster: Cluster): Promise<{ identity: string; live: boolean } | undefined> {
    const lease = await cluster.get<Lease>(REF);
    const identity = lease?.spec?.holderIdentity;
    if (!lease || !identity) return undefined;
    return { identity, live: !expired(lease) && !isDeadLocalHolder(identity) };
  }

  private async take(): Promise<void> {
    for (;;) {
      const lease = await this.cluster.get<Lease>(REF);
      const holder = lease?.spec?.holderIdentity;
      if (holder && holder !== this.identity && !expired(lease) && !isDeadLocalHolder(holder)) {
        const until = new Date(Date.parse(lease!.spec!.renewTime!) + LOCK_SECONDS * 1000).toISOString();
        throw new UserError(`another bosun (${holder}) is running the node roll (its lock lasts until ${until} unless renewed)`);
      }
      const spec = {
        holderIdentity: this.identity,
        leaseDurationSeconds: LOCK_SECONDS,
        acquireTime: microTime(),
        renewTime: microTime(),
        leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (lease ? 1 : 0),
      };
      try {
        const written = lease
          ? await this.cluster.patch<Lease>(REF, { metadata: { resourceVersion: lease.metadata.resourceVersion }, spec })
          : await this.cluster.create<Lease>({ ...REF, metadata: { name: LOCK_NAME, namespace: LOCK_NAMESPACE }, spec });
        this.resourceVersion = written.metadata.resourceVersion;
        return;
      } catch (err) {
        // Someone else wrote it first: look again.
        if (!(err instanceof ClusterError && err.code === 409)) throw err;
      }
    }
  }

  private async renew(): Promise<void> {
    try {
      const written = await this.cluster.patch<Lease>(REF, { metadata: { resourceVersion: this.resourceVersion }, spec: { renewTime: microTime() } });
      this.resourceVersion = written.metadata.resourceVersion;
    } catch (err) {
      if (err instanceof ClusterError && (err.code === 409 || err.code === 404)) {
        this.stop();
        this.onLost(`the node roll's lock (Lease ${LOCK_NAMESPACE}/${LOCK_NAME}) was taken by another process`);
      }
      // Anything else (the API server restarting) is retried at the next renewal.
    }
  }

  private stop(): void {
    clearInterval(this.timer);
  }

  /** Gives the lock up, if it is still this process's. */
  async release(): Promise<void> {
    this.stop();
    await this.cluster.patch(REF, { metadata: { resourceVersion: this.resourceVersion }, spec: { holderIdentity: null } }).catch(() => undefined);
  }
}

function expired(lease: Lease | undefined): boolean {
  const renewed = Date.parse(lease?.spec?.renewTime ?? '');
  const seconds = lease?.spec?.leaseDurationSeconds ?? LOCK_SECONDS;
  return Number.isNaN(renewed) || renewed + seconds * 1000 < Date.now();
}
