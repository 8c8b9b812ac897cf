import type { Cluster } from '../../cluster/cluster.js';
import type { Etcd, EtcdTLS } from '../../etcd/etcd.js';
import type { Host } from '../../host/host.js';
import { readLocalEtcd, type LocalEtcdMember } from '../../node/etcd-member-removal.js';
import { nodeNameFromKubeletConf } from '../../node/node-name.js';
import { once } from '../../util/once.js';
import type { Doors } from '../../workflow/doors.js';

/** Flags of `bosun reset` that phases read. */
export interface ResetOptions {
  /** Proceed without asking. */
  force: boolean;
  /** Delete the Node object of this node from the cluster (needs a kubeconfig). */
  deleteNode: boolean;
  /** Also clean the CNI configuration and kube-proxy's iptables/IPVS rules. */
  cleanupNetwork: boolean;
  certificatesDir: string;
  /** `--node-name`: else the name in the kubelet's client certificate. */
  nodeName?: string;
}

/** The node as it was when the reset began: read once, before its files go. */
export interface ResetNode {
  name?: string;
  /** Its local etcd member (a control-plane node with stacked etcd). */
  etcd?: LocalEtcdMember;
}

export interface ResetContext {
  host: Host;
  options: ResetOptions;
  /** Asks the operator (refuses without a terminal); resolves on yes. */
  confirm(question: string): Promise<void>;
  node(): Promise<ResetNode>;
  /** The cluster door of the kubeconfig (`--kubeconfig`, else the node's admin.conf), connected on first use. */
  cluster(): Promise<Cluster>;
  etcd(endpoints: string[], tls: EtcdTLS): Etcd;
}

/** The context over a command's doors: the node is read once, on first use (preflight, before anything goes). */
export function createResetContext(options: ResetOptions, doors: Pick<Doors, 'host' | 'cluster' | 'etcd'>, confirm: ResetContext['confirm']): ResetContext {
  const { host } = doors;
  return {
    host,
    options,
    confirm,
    // Only --delete-node needs the name: a kubelet.conf a failed join left half-written must not stop a reset.
    node: once(async () => ({
      name: options.nodeName ?? (options.deleteNode ? await nodeNameFromKubeletConf(host) : undefined),
      etcd: await readLocalEtcd(host),
    })),
    cluster: doors.cluster,
    etcd: doors.etcd,
  };
}
