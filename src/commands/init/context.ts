import type { InitConfig } from '../../config/types.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { Host } from '../../host/host.js';
import type { Machine } from '../../host/machine.js';
import type { KeyPool } from '../../pki/key-pool.js';

/** Options of `bosun init` that are not part of kubeadm's configuration documents. */
export interface InitOptions {
  ignorePreflightErrors: Set<string>;
  uploadCerts: boolean;
  skipTokenPrint: boolean;
  skipCertificateKeyPrint: boolean;
  /** Where admin.conf is written relative to (the node); API phases build their client from it. */
  kubeconfigPath: string;
}

/** What every init phase reads: the resolved config, the node door and the run's options. */
export interface InitContext {
  cfg: InitConfig;
  host: Host;
  options: InitOptions;
  /** Keys generated ahead, in parallel: `certs` and `kubeconfig` start their children's keys, each child takes its own. */
  keys: KeyPool;
  /** The cluster door, built on first use from admin.conf (only API phases call it). */
  cluster(): Promise<Cluster>;
  /** The machine the node runs on, for preflight and the kubelet's hostname: this one unless set (an SSH host's). */
  machine?: Machine;
}
