/**
 * `bosun sandbox hosts N [--control-planes M] [--windows K]`: N fresh machines and no cluster. Each is what `sandbox up` makes of a
 * node before `bosun init` (its network namespace and address, a rootfs with the machine's base files only, sshd,
 * systemctl reaching the node agent's kubelet stand-in), plus, on control-plane hosts, the static-pod runner, which
 * acts once the kubelet is started. The last K workers are Windows machines (see windows/machine.ts). No kubelet binary is installed and nothing is initialised: the printed cluster
 * file is for `bosun apply`, which makes the cluster over SSH. `sandbox down` removes the machines.
 */
import { UserError } from '../errors.js';
import { DEFAULT_KUBERNETES_VERSION } from '../versions/pinned.js';
import { provideBinaries } from './binaries.js';
import { run } from './exec.js';
import { clusterText } from './inventory.js';
import { startMachines } from './machines.js';
import { claimNetwork, createBridge, nodeNetwork, WORKER_MACHINES, workerNetwork, type NetworkPlan } from './network.js';
import { ensureAgent } from './node-agent.js';
import { BOSUN_BIN, CONTROL_PLANE_NODE, sandboxPaths } from './paths.js';
import { startDetached, type ProcessRecord } from './processes.js';
import { readState, writeState, type SandboxNode, type SandboxState } from './state.js';
import { startRunner } from './up.js';
import { assignRuntimes } from './up-runtime.js';
import { parseKubernetesVersion } from './wrapper.js';

export interface HostsOptions {
  dir: string;
  count: number;
  controlPlanes: number;
  version?: string;
  binDir?: string;
  /** `docker` or `docker=host,…` (repeatable): machines with Docker's stack on their disks; the others containerd. */
  runtime?: string[];
  /** How many of the workers (the last ones) are Windows machines. */
  windows?: number;
}

/** Control-plane hosts take .10 up of the sandbox's /24 and workers .100 up, as the nodes of `sandbox up`. */
const MAX_CONTROL_PLANES = 90;

/**
 * The hosts' names: the first control-plane host is the sandbox's control-plane node (the node agent reads the
 * cluster through its admin.conf once it exists), then control-plane-2…, worker-1….
 */
export function freshNodes(plan: NetworkPlan, count: number, controlPlanes: number, windows = 0): SandboxNode[] {
  if (!Number.isInteger(count) || count < 1) throw new UserError(`expected a number of hosts (1 or more), got ${count}`);
  if (controlPlanes < 1 || controlPlanes > count)
    throw new UserError(`--control-planes ${controlPlanes}: expected 1 to ${count} (the hosts), since a cluster needs a control-plane host`);
  if (controlPlanes > MAX_CONTROL_PLANES) throw new UserError(`--control-planes ${controlPlanes}: the sandbox's network has room for ${MAX_CONTROL_PLANES}`);
  if (count - controlPlanes > WORKER_MACHINES) throw new UserError(`${count - controlPlanes} workers: the sandbox's network has room for ${WORKER_MACHINES}`);
  // A Windows node is never a control-plane node (Kubernetes runs its control plane on Linux only).
  if (windows > count - controlPlanes)
    throw new UserError(`--windows ${windows}: expected 0 to ${count - controlPlanes} (the workers), since a Windows node is never a control-plane node`);
  const cps = Array.from({ length: controlPlanes }, (_, i): SandboxNode => {
    const name = i === 0 ? CONTROL_PLANE_NODE : `${CONTROL_PLANE_NODE}-${i + 1}`;
    return { name, role: 'control-plane', simulated: false, network: nodeNetwork(plan, name, i) };
  });
  // A worker's Node is registered by the node agent after its TLS bootstrap, as for the sandbox's simulated workers.
  const workers = Array.from({ length: count - controlPlanes }, (_, i): SandboxNode => {
    const name = `worker-${i + 1}`;
    const os = i >= count - controlPlanes - windows ? { os: 'windows' as const } : {};
    return { name, role: 'worker', simulated: true, network: workerNetwork(plan, name, i), ...os };
  });
  return [...cps, ...workers];
}

/** Makes the machines, starts their sshd, runners and the node agent; returns the cluster file's text (also written). */
export async function sandboxHosts(opts: HostsOptions): Promise<string> {
  if (process.getuid?.() !== 0) throw new UserError('bosun sandbox hosts needs root: it creates network namespaces and a bridge');
  const paths = sandboxPaths(opts.dir);
  if (await readState(opts.dir)) throw new UserError(`a sandbox exists in ${paths.root}: bosun sandbox down --purge --dir ${opts.dir} first`);
  const version = opts.version ?? DEFAULT_KUBERNETES_VERSION;
  parseKubernetesVersion(version);
  // The runners' control-plane binaries, kwok, and the kubelet the cluster file's kubelet.from names.
  await provideBinaries([version], opts.binDir);
  const plan = await claimNetwork();
  const state: SandboxState = {
    kubernetesVersion: version,
    binDir: opts.binDir,
    network: plan,
    nodes: freshNodes(plan, opts.count, opts.controlPlanes, opts.windows),
    processes: [],
    freshMachines: true,
  };
  assignRuntimes(state.nodes, opts.runtime);
  // Written before anything starts, so `down` can clean up after a failure.
  await writeState(opts.dir, state);
  const record = async (p: ProcessRecord) => {
    state.processes.push(p);
    await writeState(opts.dir, state);
  };
  await createBridge(plan);
  await startMachines(opts.dir, state, state.nodes, undefined, record);
  // Prepared as kubeadm wants a node (its preflight checks it): IPv4 forwarding on, in each machine's namespace.
  for (const node of state.nodes) await run('ip', ['netns', 'exec', node.network!.netns, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
  for (const node of state.nodes.filter((n) => !n.simulated)) await record(startRunner(opts.dir, node));
  await ensureAgent(opts.dir, state);
  const argv = [process.execPath, BOSUN_BIN, 'sandbox', 'kwok', '--dir', paths.root];
  await record(startDetached('kwok', argv, `${paths.kwokDir}/kwok.log`));
  return clusterText(opts.dir, state);
}
