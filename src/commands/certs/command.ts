/**
 * `bosun certs`: kubeadm's certificate commands on this node (or the node under --rootfs): check-expiration,
 * renew, certificate-key.
 */
import { Command, Option } from 'commander';
import { clusterWithDefaults } from '../../config/defaults.js';
import type { ClusterConfiguration } from '../../config/types.js';
import { LocalHost } from '../../host/local.js';
import { KUBERNETES_DIR } from '../../kube/paths.js';
import { readExpirationInfo } from '../../node/certificate-expiration.js';
import { generateCertificateKey } from '../../tokens/certs-secret.js';
import { openDoors } from '../../workflow/doors.js';
import type { CommandEnvironment } from '../../workflow/flags.js';
import { formatExpiration, OUTPUT_FORMATS, type OutputFormat } from './expiration-output.js';

interface NodeFlags {
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

async function checkExpiration(flags: NodeFlags & { output: OutputFormat }): Promise<void> {
  const cluster = await clusterConfiguration(flags);
  const { host, clock } = openDoors({ rootfs: flags.rootfs });
  const sources = { certDir: cluster.certificatesDir, kubeconfigDir: flags.kubeconfigDir, localEtcd: Boolean(cluster.etcd.local) };
  const info = await readExpirationInfo(host, sources, clock.now());
  process.stdout.write(formatExpiration(info, flags.output));
}

export function registerCerts(program: Command, _env: CommandEnvironment): void {
  const certs = program.command('certs').description('Commands related to handling Kubernetes certificates');
  withNodeFlags(certs.command('check-expiration'))
    .description("Check certificates expiration for a Kubernetes cluster (kubeadm's list, and the kubelet's certificates)")
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('text'))
    .action((flags: NodeFlags & { output: OutputFormat }) => checkExpiration(flags));
  certs
    .command('certificate-key')
    .description('Generate certificate keys: 32 random bytes, hex-encoded, for uploading control-plane certificates')
    .action(() => {
      process.stdout.write(`${generateCertificateKey()}\n`);
    });
}
