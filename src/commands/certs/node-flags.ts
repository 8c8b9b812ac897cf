/** What the `certs` subcommands that read the node's files share: their flags and the configuration they name. */
import type { Command } from 'commander';
import { clusterWithDefaults } from '../../config/defaults.js';
import type { ClusterConfiguration } from '../../config/types.js';
import { LocalHost } from '../../host/local.js';
import { KUBERNETES_DIR } from '../../kube/paths.js';

export interface NodeFlags {
  config?: string;
  certDir?: string;
  kubeconfigDir: string;
  rootfs?: string;
}

/** The cluster configuration of `--config` (read on this machine, not under --rootfs), else kubeadm's defaults; `--cert-dir` over both. */
export async function clusterConfiguration(flags: NodeFlags): Promise<ClusterConfiguration> {
  // The file reader (and its schemas) is loaded only when there is a file.
  const file = flags.config ? await (await import('../../config/load.js')).loadConfigFile(new LocalHost('/'), flags.config) : undefined;
  const cluster = clusterWithDefaults(file?.cluster);
  if (flags.certDir !== undefined) cluster.certificatesDir = flags.certDir;
  return cluster;
}

/** The flags every `certs` subcommand that reads the node's files takes. */
export const withNodeFlags = (cmd: Command): Command =>
  cmd
    .option('--config <file>', 'a kubeadm configuration file (its ClusterConfiguration: certificatesDir, etcd, validity periods, key algorithm)')
    .option('--cert-dir <dir>', "where the certificates are (default: the configuration's certificatesDir, /etc/kubernetes/pki)")
    .option('--kubeconfig-dir <dir>', 'where the kubeconfig files are', KUBERNETES_DIR)
    .option('--rootfs <dir>', "the node's root directory, when it is not /");
