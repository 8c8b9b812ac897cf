/**
 * The one place a command's flags become doors: the node (Host), the cluster, etcd, waiting and the time. `--dry-run`
 * swaps the whole bundle for doors that record instead of changing anything, and nothing else changes: phases get
 * their doors from the context and never see the flag. The record is what the dry-run report shows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../cluster/cluster.js';
import { clusterFromKubeconfigFile, connectCluster, openKubeconfig } from '../cluster/connect.js';
import { KubeCluster } from '../cluster/kube.js';
import { resolveKubeconfig, type KubeconfigSearch } from '../cluster/kubeconfig-path.js';
import { RecordingCluster, type RecordedClusterAction } from '../cluster/recording.js';
import type { Transport } from '../cluster/transport.js';
import { formatDuration } from '../config/duration.js';
import { EtcdClient, type Etcd, type EtcdTLS } from '../etcd/etcd.js';
import { RecordingEtcd, type RecordedEtcdAction } from '../etcd/recording.js';
import { UserError } from '../errors.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local.js';
import { RecordingHost } from '../host/recording.js';
import { once } from '../util/once.js';

/** Waits for things outside bosun. A dry run's waiter does not wait. */
export interface Waiter {
  /** Waits until `check` says done (true); otherwise it says what it sees, which a timeout reports. */
  until(what: string, timeoutMs: number, check: () => Promise<true | string>): Promise<void>;
  /**
   * Tries a change until it is accepted (etcd refuses to promote a learner until it caught up). A dry run tries
   * once, so the change is recorded, and does not look at the answer.
   */
  retry(what: string, timeoutMs: number, attempt: () => Promise<true | string>): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** What phases and commands reach the world through. */
export interface Doors {
  /** The node: its files, processes and services (under `--rootfs`). */
  readonly host: Host;
  /** The cluster door of the command's kubeconfig, connected on first use and shared. */
  cluster(): Promise<Cluster>;
  /** That kubeconfig's node path (found on first use, see resolveKubeconfig). */
  kubeconfig(): Promise<string>;
  /** A cluster door over a connection made another way (a joining node's bootstrap credentials). */
  clusterOver(transport: Transport): Cluster;
  /** The etcd door to these client URLs, with a client certificate. */
  etcd(endpoints: string[], tls: EtcdTLS): Etcd;
  readonly waiter: Waiter;
  readonly clock: Clock;
  /** What the doors recorded instead of doing, on a dry run only: the dry-run report is made from it. */
  readonly recorded?: Recorded;
}

/** A dry run's record: the node's changes, then API and etcd calls in the order they were made. */
export interface Recorded {
  host: RecordingHost;
  cluster: RecordedClusterAction[];
  etcd: RecordedEtcdAction[];
}

/** The flags that choose the doors. */
export interface DoorFlags {
  /** `--rootfs`: the node's files are under this directory instead of `/`. */
  rootfs?: string;
  /** `--dry-run`: every door records instead of changing anything. */
  dryRun?: boolean;
  /**
   * The cluster's kubeconfig: a node path (init's admin.conf, a joining node's), or how to find the kubeconfig of a
   * cluster that exists (`--kubeconfig`, `$KUBECONFIG`, …). Without it, `cluster()` is an error.
   */
  kubeconfig?: string | KubeconfigSearch;
  /**
   * The machine the kubeconfig is read on, when it is not the node: an operator's `--kubeconfig` while the node is
   * a directory of this machine (`--rootfs`) or an SSH host.
   */
  kubeconfigOn?: Host;
}

/** How often a wait looks again: reading a file or asking an API is cheap, and a run should end soon after. */
const POLL_MS = 100;

/** The machine's own time. */
export const systemClock: Clock = { now: () => new Date() };

const pollingWaiter: Waiter = {
  async until(what, timeoutMs, check) {
    const deadline = systemClock.now().getTime() + timeoutMs;
    for (;;) {
      const seen = await check();
      if (seen === true) return;
      if (systemClock.now().getTime() >= deadline)
        throw new UserError(`timed out after ${formatDuration(BigInt(timeoutMs) * 1_000_000n)} waiting for ${what}: ${seen}`);
      await sleep(POLL_MS);
    }
  },
  retry: (what, timeoutMs, attempt) => pollingWaiter.until(what, timeoutMs, attempt),
};

const dryRunWaiter: Waiter = {
  until: async () => undefined,
  retry: async (_what, _timeoutMs, attempt) => void (await attempt()),
};

function kubeconfigOf(host: Host, source: DoorFlags['kubeconfig']): () => Promise<string> {
  return once(async () => {
    if (source === undefined) throw new Error('this command was given no kubeconfig to reach the cluster with');
    return typeof source === 'string' ? source : resolveKubeconfig(host, source);
  });
}

function liveDoors(host: Host, source: DoorFlags['kubeconfig'], kubeconfigOn: Host = host): Doors {
  const kubeconfig = kubeconfigOf(kubeconfigOn, source);
  return {
    host,
    kubeconfig,
    cluster: once(async () => connectCluster(kubeconfigOn, await kubeconfig())),
    clusterOver: (transport) => new KubeCluster(transport),
    etcd: (endpoints, tls) => new EtcdClient(endpoints, tls),
    waiter: pollingWaiter,
    clock: systemClock,
  };
}

/** Reads go through to the node, the API server and etcd where they answer; every change is recorded. */
function recordingDoors(node: Host, source: DoorFlags['kubeconfig'], kubeconfigOn?: Host): Doors {
  const recorded: Recorded = { host: new RecordingHost(node), cluster: [], etcd: [] };
  const host = recorded.host;
  // The node's kubeconfig is read through the recording door: a run may have written it (init's admin.conf).
  const reader = kubeconfigOn ?? host;
  const kubeconfig = kubeconfigOf(reader, source);
  return {
    host,
    kubeconfig,
    cluster: once(async () =>
      openKubeconfig(reader, await kubeconfig(), async (file) => new RecordingCluster(await clusterFromKubeconfigFile(reader, file), recorded.cluster)),
    ),
    clusterOver: (transport) => new RecordingCluster(new KubeCluster(transport), recorded.cluster),
    etcd: (endpoints, tls) => new RecordingEtcd(new EtcdClient(endpoints, tls), recorded.etcd),
    waiter: dryRunWaiter,
    clock: systemClock,
    recorded,
  };
}

/**
 * The node `--rootfs` names. An empty value (an unset shell variable) is refused: taken as a directory it would be
 * the working directory, and taken as `/` it would change this machine while skipping what a run on it does (the
 * root check, the kubelet restart).
 */
function nodeHost(rootfs: string | undefined): LocalHost {
  if (rootfs !== undefined && rootfs.trim() === '') {
    throw new UserError(
      `--rootfs ${JSON.stringify(rootfs)}: expected a directory. To act on this machine, omit --rootfs (or give --rootfs /); ` +
        "to render a node's files, give the directory they go under",
      2,
    );
  }
  return new LocalHost(rootfs ?? '/');
}

/** The doors a command's flags ask for; `node` is the node's Host when it is not this machine (an SSH host). */
export function openDoors(flags: DoorFlags, node: Host = nodeHost(flags.rootfs)): Doors {
  return flags.dryRun ? recordingDoors(node, flags.kubeconfig, flags.kubeconfigOn) : liveDoors(node, flags.kubeconfig, flags.kubeconfigOn);
}
