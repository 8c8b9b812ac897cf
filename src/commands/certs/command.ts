/**
 * `bosun certs`: kubeadm's certificate commands on this node (or the node under --rootfs): check-expiration,
 * renew, certificate-key, generate-csr; and the approver of kubelet serving certificates' CSRs, on the cluster.
 */
import { Command, Option } from 'commander';
import { readExpirationInfo } from '../../node/certificate-expiration.js';
import { generateCertificateKey } from '../../tokens/certs-secret.js';
import { registerApproveKubeletServing } from './approve-kubelet-serving.js';
import { registerGenerateCsr } from './generate-csr.js';
import { openDoors } from '../../workflow/doors.js';
import { kubeconfigOption, type CommandEnvironment } from '../../workflow/flags.js';
import { clusterConfiguration, withNodeFlags, type NodeFlags } from './node-flags.js';
import { renewCertificates, type RenewFlags } from './renew.js';
import { formatExpiration, OUTPUT_FORMATS, type OutputFormat } from './expiration-output.js';

async function checkExpiration(flags: NodeFlags & { output: OutputFormat }): Promise<void> {
  const cluster = await clusterConfiguration(flags);
  const { host, clock } = openDoors({ rootfs: flags.rootfs });
  const sources = { certDir: cluster.certificatesDir, kubeconfigDir: flags.kubeconfigDir, localEtcd: Boolean(cluster.etcd.local) };
  const info = await readExpirationInfo(host, sources, clock.now());
  process.stdout.write(formatExpiration(info, flags.output));
}

export function registerCerts(program: Command, env: CommandEnvironment): void {
  const certs = program.command('certs').description('Commands related to handling Kubernetes certificates');
  withNodeFlags(certs.command('check-expiration'))
    .description("Check certificates expiration for a Kubernetes cluster (kubeadm's list, and the kubelet's certificates)")
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('text'))
    .action((flags: NodeFlags & { output: OutputFormat }) => checkExpiration(flags));
  withNodeFlags(certs.command('renew <name>'))
    .description(`Renew a certificate (kubeadm's names) or all of them, then restart the control-plane static Pods that use them, one at a time`)
    .option('--before <duration>', 'renew only what expires within this window (30d, 720h)')
    .option('--dry-run', 'say what would be renewed and restarted; change nothing')
    .addOption(kubeconfigOption())
    .option('--node-name <name>', "this node's name, for its static Pods (default: from kubelet.conf)")
    .option('--timeout <duration>', 'how long each restarted component may take to be Ready', '5m')
    .action((name: string, flags: RenewFlags) => renewCertificates(name, flags, env));
  certs
    .command('certificate-key')
    .description('Generate certificate keys: 32 random bytes, hex-encoded, for uploading control-plane certificates')
    .action(() => {
      process.stdout.write(`${generateCertificateKey()}\n`);
    });
  registerGenerateCsr(certs);
  registerApproveKubeletServing(certs, env);
}
