import { Command, Option } from 'commander';
import { UserError } from '../errors.js';
import { kubernetesVersions, provideBinaries } from './binaries.js';
import { coreDNSArtifacts } from './coredns-binaries.js';
import { down } from './down.js';
import type { SandboxRuntime } from './node-runtime.js';
import { clusterText, writeInventories } from './inventory.js';
import { sandboxPaths } from './paths.js';
import { StaticPodRunner } from './runner.js';
import { findNode, requireState } from './state.js';
import { formatStatus, isHealthy, sandboxStatus } from './status.js';
import { up, type Timings } from './up.js';
import { windowsArtifacts } from './windows-binaries.js';

const DEFAULT_DIR = '.sandbox';

function printTimings(timings: Timings): void {
  process.stdout.write(`${JSON.stringify({ sandbox: timings })}\n`);
}

async function binariesCommand(opts: { version?: string; binDir?: string; timings?: boolean }): Promise<void> {
  const versions = kubernetesVersions(opts.version);
  // CoreDNS and the Windows binaries only here: a sandbox runs them for the tests that ask (src/sandbox/coredns.ts,
  // its Windows machines), so `up` never waits for their builds.
  const extra = [...coreDNSArtifacts(versions, opts.version === 'all'), ...windowsArtifacts(versions)];
  const provided = await provideBinaries(versions, opts.binDir, extra);
  if (opts.timings) printTimings(Object.fromEntries(provided.map((p) => [`binaries/${p.artifact.component}-${p.artifact.version}`, p.seconds])));
}

/** The hidden `runner` command: one node's static-pod runner, until SIGTERM. */
async function runnerCommand(opts: { dir: string; node: string }): Promise<void> {
  const state = await requireState(opts.dir);
  const node = findNode(state, opts.node);
  if (node.simulated || !node.network) throw new UserError(`--node ${opts.node}: a simulated node has no runner`);
  const paths = sandboxPaths(opts.dir);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const runner = new StaticPodRunner(
    {
      node: node.name,
      rootfs: paths.nodeRoot(node.name),
      address: node.network.address,
      kubeletVersion: state.kubernetesVersion,
      logDir: paths.logs(node.name),
      runDir: paths.runDir(node.name),
      binDir: state.binDir,
      kubeletStarted: state.freshMachines ? paths.kubeletStarted(node.name) : undefined,
    },
    log,
  );
  await runner.start();
  log(`runner for node ${node.name} started (pid ${process.pid})`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: stopping every pod`);
      void runner.stop().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log('runner stopped');
}

/** `sandbox inventory`: the running sandbox's nodes as SSH hosts (kind Cluster), with its known_hosts written again. */
async function inventoryCommand(opts: { dir: string }): Promise<void> {
  const state = await requireState(opts.dir);
  await writeInventories(opts.dir, state);
  process.stdout.write(clusterText(opts.dir, state));
}

const count = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${flag}: expected a whole number, got "${v}"`);
  return n;
};

/** `sandbox hosts`: fresh machines for `bosun apply`, and the hidden kwok that waits for their cluster. */
function addHostsCommands(sandbox: Command): void {
  sandbox
    .command('hosts')
    .description('Make fresh machines (network namespace, sshd, systemctl, no cluster) and print their cluster file, for "bosun apply"')
    .argument('<n>', 'how many machines', count('hosts'))
    .addOption(dirOption())
    .addOption(new Option('--control-planes <m>', 'how many of them are control-plane hosts').default(1).argParser(count('--control-planes')))
    .option('--version <version>', "the Kubernetes release the cluster file names (its binaries are provided); default bosun's default")
    .option('--bin-dir <dir>', 'use binaries from this directory when they report the right version')
    .addOption(runtimeOption())
    .addOption(
      new Option('--windows <k>', 'how many of the workers (the last ones) are Windows machines: a C: drive, PowerShell over SSH, containerd as a service')
        .default(0)
        .argParser(count('--windows')),
    )
    .action(async (n: number, opts: { dir: string; controlPlanes: number; version?: string; binDir?: string; runtime?: string[]; windows: number }) => {
      const text = await (await import('./hosts.js')).sandboxHosts({ ...opts, count: n });
      process.stdout.write(text);
    });
  sandbox
    .command('kwok', { hidden: true })
    .description('Run kwok for fresh machines once their cluster exists (started by "hosts")')
    .addOption(dirOption())
    .action(async (opts: { dir: string }) => (await import('./hosts-kwok.js')).runKwokWhenClusterExists(opts.dir));
}

/** `sandbox join`: more nodes, joined with the real `bosun join`. */
function addJoinCommand(sandbox: Command): void {
  sandbox
    .command('join')
    .description('Join nodes with the real "bosun join": simulated workers, or control-plane nodes with their own network namespace')
    .addOption(dirOption())
    .addOption(new Option('--workers <n>', 'simulated workers to join, in parallel').default(0).argParser(count('--workers')))
    .addOption(new Option('--control-planes <n>', 'control-plane nodes to join, one after the other').default(0).argParser(count('--control-planes')))
    .addOption(new Option('--parallel <n>', 'how many workers join at once (default: all)').argParser(count('--parallel')))
    .addOption(
      new Option('--runtime <runtime>', "the joined nodes' container runtime: docker joins them on cri-dockerd's socket, their kubelet on cgroupfs")
        .choices(['containerd', 'docker'])
        .default('containerd'),
    )
    .option('--timings', 'print how long the joins took, as JSON')
    .action(async (opts: { dir: string; workers: number; controlPlanes: number; parallel?: number; runtime: SandboxRuntime; timings?: boolean }) => {
      const timings = await (await import('./join.js')).sandboxJoin(opts);
      if (opts.timings) printTimings(timings);
    });
}

const dirOption = () => new Option('--dir <dir>', 'the sandbox directory').default(DEFAULT_DIR);

/** `--runtime docker` (every node) or `--runtime docker=worker-1,worker-2`; repeatable. */
const runtimeOption = () =>
  new Option(
    '--runtime <runtime[=nodes]>',
    "container runtime on the nodes' disks: containerd (default: 2.1.4, SystemdCgroup) or docker (dockerd 20.10 on containerd 1.6, " +
      "cri-dockerd's units, kubelet on unix:///var/run/cri-dockerd.sock, cgroupfs; with a DaemonSet mounting docker.sock); " +
      '"docker" for every node or "docker=worker-1,worker-2"; repeatable',
  ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);

/** `bosun sandbox …`: a real control plane on this machine, one network namespace per node. */
export function registerSandbox(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('Run a real control plane on this machine: built binaries, one network namespace per node, simulated workers');
  sandbox
    .command('binaries')
    .description(
      'Provide kube-apiserver, kube-controller-manager, kube-scheduler, kubeadm, kubectl, kubelet, etcd, kwok, the container runtimes, CoreDNS ' +
        "and the Windows machines' kubelet.exe, kube-log-runner.exe and containerd.exe (built once with go, then cached)",
    )
    .option(
      '--version <version>',
      'Kubernetes release (v1.X.Y), its binaries and the CoreDNS it pins; or "all": every pinned release, and an older CoreDNS for upgrade tests',
    )
    .option('--bin-dir <dir>', 'use binaries from this directory when they report the right version')
    .option('--timings', 'print how long each step took, as JSON')
    .action((opts) => binariesCommand(opts));
  sandbox
    .command('up')
    .description('Start a sandbox cluster: network, static-pod runner, the real "bosun init", kwok and simulated workers')
    .addOption(dirOption())
    .option('--version <version>', "Kubernetes release (v1.X.Y); default: the config's kubernetesVersion, else bosun's default")
    .addOption(
      new Option('--workers <n>', 'simulated worker nodes (kwok)').default(2).argParser((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new UserError(`--workers: expected a whole number, got "${v}"`);
        return n;
      }),
    )
    .option('--config <file>', "kubeadm configuration for init (the node name, address and version are the sandbox's)")
    .addOption(runtimeOption())
    .option('--bin-dir <dir>', 'use binaries from this directory when they report the right version')
    .option('--timings', 'print how long each step took, as JSON')
    .action(async (opts) => {
      const timings = await up(opts);
      if (opts.timings) printTimings(timings);
    });
  sandbox
    .command('status')
    .description("Show the sandbox's processes, static pods and API server readiness (exit 1 when unhealthy)")
    .addOption(dirOption())
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: { dir: string; output: string }) => {
      const status = await sandboxStatus(opts.dir);
      process.stdout.write(opts.output === 'json' ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      if (!isHealthy(status)) throw new UserError('the sandbox is not healthy (see above)');
    });
  sandbox
    .command('down')
    .description('Stop every process of the sandbox and remove its network; files stay unless --purge')
    .addOption(dirOption())
    .option('--purge', 'also delete the sandbox directory')
    .action((opts: { dir: string; purge?: boolean }) => down(opts.dir, Boolean(opts.purge)));
  addJoinCommand(sandbox);
  sandbox
    .command('inventory')
    .description("Print the sandbox's nodes as SSH hosts (kind: Cluster: address, port 22, root, the sandbox's key) and write their known_hosts")
    .addOption(dirOption())
    .action((opts: { dir: string }) => inventoryCommand(opts));
  addHostsCommands(sandbox);
  sandbox
    .command('dns')
    .description("Run the real CoreDNS as the sandbox's kube-system/coredns pod (its Corefile, ServiceAccount and kube-dns ClusterIP) until Ctrl-C")
    .addOption(dirOption())
    .option('--resolv-conf <file>', 'the pod\'s /etc/resolv.conf (where "forward . /etc/resolv.conf" goes)', '/etc/resolv.conf')
    .option('--version <version>', "the CoreDNS release (v1.X.Y); default: the Deployment's image tag")
    .action(async (opts: { dir: string; resolvConf: string; version?: string }) => (await import('./coredns.js')).runCoreDNS(opts));
  sandbox
    .command('agent', { hidden: true })
    .description('Play the kubelet\'s TLS bootstrap for the sandbox\'s joining nodes (started by "up" and "join")')
    .addOption(dirOption())
    .action(async (opts: { dir: string }) => (await import('./node-agent.js')).runAgent(opts.dir));
  sandbox
    .command('runner', { hidden: true })
    .description('Run the static pods of one sandbox node (started by "up")')
    .addOption(dirOption())
    .requiredOption('--node <name>', 'the node')
    .action((opts: { dir: string; node: string }) => runnerCommand(opts));
}
