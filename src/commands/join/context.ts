import type { Cluster } from '../../cluster/cluster.js';
import type { InitConfig, JoinConfig } from '../../config/types.js';
import type { Discovered } from '../../discovery/discover.js';
import type { Etcd, EtcdTLS } from '../../etcd/etcd.js';
import type { Host } from '../../host/host.js';
import type { Machine } from '../../host/machine.js';
import type { KeyPool } from '../../pki/key-pool.js';
import type { Waiter } from '../../workflow/doors.js';
import type { PhaseIO } from '../../workflow/phase.js';

/** Options of `bosun join` that are not part of the JoinConfiguration. */
export interface JoinOptions {
  ignorePreflightErrors: Set<string>;
  /**
   * This machine's own join under this name was interrupted (bosun apply's journal says so): a registered Node of
   * the name is this machine's, not another's.
   */
  rejoin?: boolean;
}

/**
 * What every join phase reads. The cluster-facing parts are computed once, on first use, by whichever phase needs
 * them first (so `bosun join phase <name>` works alone): discovery, the cluster's configuration, the doors.
 */
export interface JoinContext {
  cfg: JoinConfig;
  host: Host;
  options: JoinOptions;
  keys: KeyPool;
  waiter: Waiter;
  /** Token or file discovery: the API server and CA this node trusts, and its TLS bootstrap credentials. */
  discovered(io: PhaseIO): Promise<Discovered>;
  /**
   * The cluster's configuration (kube-system/kubeadm-config and kubelet-config, read with the bootstrap credentials)
   * with this node's registration and API endpoint: what kubeadm calls the InitConfiguration of a joining node.
   */
  clusterConfig(io: PhaseIO): Promise<InitConfig>;
  /** The cluster door with the bootstrap credentials. */
  bootstrapCluster(io: PhaseIO): Promise<Cluster>;
  /** The cluster door with this node's admin.conf (control-plane nodes, once control-plane-prepare wrote it). */
  adminCluster(): Promise<Cluster>;
  /** The etcd door to the cluster's members (control-plane nodes). */
  etcd(endpoints: string[], tls: EtcdTLS): Etcd;
  /** The machine the node runs on, for preflight and the kubelet's hostname: this one unless set (an SSH host's). */
  machine?: Machine;
}

export const isControlPlane = (ctx: Pick<JoinContext, 'cfg'>): boolean => ctx.cfg.join.controlPlane !== undefined;
