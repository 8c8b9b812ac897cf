import { Command, Option } from 'commander';
import { kubernetesVersions, provideBinaries } from './binaries.js';

interface BinariesOptions {
  version?: string;
  binDir?: string;
  timings?: boolean;
}

async function binariesCommand(opts: BinariesOptions): Promise<void> {
  const provided = await provideBinaries(kubernetesVersions(opts.version), opts.binDir);
  if (opts.timings) {
    const timings = Object.fromEntries(provided.map((p) => [`binaries/${p.artifact.component}-${p.artifact.version}`, p.seconds]));
    process.stdout.write(`${JSON.stringify(timings)}\n`);
  }
}

/** `bosun sandbox …`: a real control plane on this machine, one network namespace per node. */
export function registerSandbox(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('Run a real control plane on this machine: built binaries, one network namespace per node, simulated workers');
  sandbox
    .command('binaries')
    .description('Provide kube-apiserver, kube-controller-manager, kube-scheduler, kubeadm, kubectl, etcd and kwok (built once with go, then cached)')
    .option('--version <version>', 'Kubernetes release (v1.X.Y), or "all" for every pinned release')
    .option('--bin-dir <dir>', 'use binaries from this directory when they report the right version')
    .addOption(new Option('--timings', 'print how long each step took, as JSON').hideHelp())
    .action((opts: BinariesOptions) => binariesCommand(opts));
}
