import type { Cluster } from '../../cluster/cluster.js';
import type { InitConfig } from '../../config/types.js';
import type { Host } from '../../host/host.js';
import type { SkewOverride } from '../../versions/skew.js';
import type { ClusterState, StaticPodComponent } from './cluster-state.js';
import type { NodeIdentity } from '../../config/stored.js';
import type { KubeletInstaller } from './kubelet.js';

/** Options of `bosun upgrade apply` and `bosun upgrade node`. */
export interface UpgradeOptions {
  /** Flags that let the upgrade through overridable version rules (`--force`, `--allow-*-upgrades`). */
  overrides: Set<SkewOverride>;
  ignorePreflightErrors: Set<string>;
  /** Renew each component's certificates before restarting it (`--certificate-renewal`, default true). */
  certificateRenewal: boolean;
  /** Upgrade the local etcd (`--etcd-upgrade`, default true). */
  etcdUpgrade: boolean;
  /** How long one component may take to restart and become healthy before it is rolled back. */
  timeoutMs: number;
  /** The admin kubeconfig (a node path) the cluster door was built from. */
  kubeconfigPath: string;
  /** This node's name when kubelet.conf cannot tell it. */
  nodeName?: string;
}

/** A component changed by this run: where its previous manifest (and etcd data) went, to roll back to. */
export interface UpgradedComponent {
  component: StaticPodComponent;
  manifestBackup: string;
  /** The mirror Pod's config hash before the change (undefined when no mirror Pod was seen). */
  previousHash?: string;
  etcdData?: { dir: string; backup: string };
  /** Set once the component ran its new manifest healthily (a resumed run verifies it again). */
  healthy?: boolean;
}

/** What this run did to the node so far. */
export interface UpgradeRun {
  /** Timestamp naming this run's backup directories. */
  stamp: string;
  /** Components whose backups are complete and whose new manifest is (or is about to be) in place. */
  upgraded: UpgradedComponent[];
  /** The component being changed now (its backups may be incomplete until it is in `upgraded`). */
  inFlight?: StaticPodComponent;
  /** Whether the run keeps a journal on the node to be resumed from (a whole `upgrade apply`; see journal.ts). */
  journaled?: boolean;
}

/**
 * What every upgrade phase reads. The cluster's state, the target configuration and this node's identity are
 * read on first use and shared by the phases of a run.
 */
export interface UpgradeContext {
  host: Host;
  options: UpgradeOptions;
  /** `apply`: the version asked for; `node`: the version the cluster's ClusterConfiguration names. */
  target(): Promise<string>;
  cluster(): Promise<Cluster>;
  state(): Promise<ClusterState>;
  node(): Promise<NodeIdentity>;
  /** The configuration at the target version, with this node's identity. */
  config(): Promise<InitConfig>;
  /** How this node's kubelet package or binary is replaced (`upgrade node`). */
  kubelet: KubeletInstaller;
  run: UpgradeRun;
}
