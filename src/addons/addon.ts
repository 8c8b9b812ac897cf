import type { Cluster, KubeObject, ObjectRef } from '../cluster/cluster.js';
import type { InitConfig } from '../config/types.js';
import type { ManifestSource } from './manifest-files.js';

/** What an operator chose for one addon (flags of `bosun addon`, an `addons` entry of a config or cluster file). */
export interface AddonSettings {
  /** The addon's version; absent: the version bosun pins for the cluster's Kubernetes version. */
  version?: string;
  /** Flannel: the Windows settings (VNI 4096, port 4789, the Windows DaemonSets) even before a Windows node joined. */
  windows?: boolean;
  /** Calico: `operator` (default, the Tigera operator and an Installation) or `manifest`. */
  mode?: string;
  /** NodeLocal DNSCache: its link-local address (default 169.254.20.10). */
  localDNS?: string;
  /** CoreDNS upgrades: keep a customised Corefile as it is instead of migrating it. */
  skipCorefileMigration?: boolean;
}

/** Everything an addon's plan is made from: the resolved cluster configuration, what the cluster has, the operator's choice. */
export interface AddonInput {
  config: InitConfig;
  /** Read only while planning (get, list); the plan's actions are the only writes. */
  cluster: Cluster;
  settings: AddonSettings;
  /** The cluster has a Node labelled kubernetes.io/os=windows. */
  windowsNodes: boolean;
  /** The vendored upstream manifests (`manifests/`) the addons' objects are made from. */
  manifests: ManifestSource;
}

/** One step of an addon plan, printed by `--dry-run` and carried out in order by the addon engine. */
export type AddonAction =
  | { action: 'apply'; object: KubeObject }
  /** Until the Deployment or DaemonSet has rolled out (observed generation, updated and available replicas). */
  | { action: 'wait-rollout'; ref: ObjectRef; timeoutSeconds: number }
  /** Until the CustomResourceDefinition is Established: before that its kind's API answers 404. */
  | { action: 'wait-established'; ref: ObjectRef; timeoutSeconds: number }
  | { action: 'delete'; ref: ObjectRef; reason: string };

export interface AddonPlan {
  addon: string;
  version: string;
  actions: AddonAction[];
  /** Lines for the operator: what the plan does beyond applying objects (a kept or migrated Corefile, a swap). */
  notes: string[];
  warnings: string[];
}

/**
 * One addon bosun can install: planning is pure apart from reads through `input.cluster`, and refuses with a
 * UserError (naming the setting or object) before anything is applied.
 */
export interface AddonDefinition {
  name: string;
  description: string;
  /** Installed by `bosun init` unless skipped (CoreDNS, kube-proxy); the others only when asked for. */
  essential: boolean;
  /** Versions bosun has manifests for, oldest first. */
  versions: readonly string[];
  /** The version bosun installs on a cluster of this Kubernetes version when none is asked for. */
  defaultVersion(kubernetesVersion: string): string;
  plan(input: AddonInput): Promise<AddonPlan>;
  /** The version running in the cluster, read from its objects; undefined when the addon is not there. */
  installedVersion(cluster: Cluster): Promise<string | undefined>;
}
