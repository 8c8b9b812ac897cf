/**
 * `bosun certs generate-csr`: keys and CSRs for every leaf certificate and kubeconfig, for an external CA to sign
 * (kubeadm's files and names; see node/certificate-requests.ts). Planned in full before anything is written.
 */
import { posix } from 'node:path';
import type { Command } from 'commander';
import { nodeFacts } from '../../config/node-facts.js';
import { resolveInitConfig } from '../../config/resolve.js';
import { LocalHost } from '../../host/local.js';
import { localMachineFacts } from '../../host/machine.js';
import { KUBERNETES_DIR } from '../../kube/paths.js';
import { planRequests, requestTargets, writeRequest, type RequestStep } from '../../node/certificate-requests.js';
import { openDoors } from '../../workflow/doors.js';

interface GenerateCsrFlags {
  config?: string;
  certDir?: string;
  kubeconfigDir: string;
  rootfs?: string;
  dryRun?: boolean;
}

const log = (line: string) => void process.stdout.write(`${line}\n`);

/** kubeadm's listing (a heading per directory, a name per file pair), and what happened to keys already on disk. */
function describe(step: RequestStep): string {
  const { name } = step.target;
  if (!step.writeCsr) return `  ${name} (its key and CSR are there already)`;
  return step.existingKey ? `  ${name} (a CSR for the key already there)` : `  ${name}`;
}

async function generateCsr(flags: GenerateCsrFlags): Promise<void> {
  const cfg = await resolveInitConfig({ configFile: flags.config, local: new LocalHost('/'), flags: {}, facts: nodeFacts(localMachineFacts) });
  if (flags.certDir !== undefined) cfg.cluster.certificatesDir = flags.certDir;
  const { host } = openDoors({ rootfs: flags.rootfs });
  const steps = await planRequests(host, requestTargets(cfg, { certDir: cfg.cluster.certificatesDir, kubeconfigDir: flags.kubeconfigDir }));
  let dir: string | undefined;
  for (const step of steps) {
    const stepDir = step.target.kubeconfig ? flags.kubeconfigDir : cfg.cluster.certificatesDir;
    if (stepDir !== dir) log(`${flags.dryRun ? 'would generate' : 'generating'} keys and CSRs in ${(dir = stepDir)}`);
    log(describe(step));
    if (!flags.dryRun) await writeRequest(host, step, cfg);
  }
  if (flags.dryRun) log('dry run: nothing was written');
}

export function registerGenerateCsr(certs: Command): void {
  certs
    .command('generate-csr')
    .description(
      'Generate keys and certificate signing requests for every leaf certificate and kubeconfig, for an external CA: ' +
        '<name>.key + <name>.csr, and for kubeconfigs <file> holding the key + <file>.csr',
    )
    .option('--config <file>', 'a kubeadm configuration file (node name, advertise address, SANs, controlPlaneEndpoint, key algorithm)')
    .option('--cert-dir <dir>', "where to write the certificates' keys and CSRs (default: the configuration's certificatesDir)")
    .option('--kubeconfig-dir <dir>', "where to write the kubeconfigs' keys and CSRs", KUBERNETES_DIR)
    .option('--rootfs <dir>', "the node's root directory, when it is not /")
    .option('--dry-run', 'list what would be written; write nothing')
    .action((flags: GenerateCsrFlags) => generateCsr({ ...flags, kubeconfigDir: posix.normalize(flags.kubeconfigDir) }));
}
