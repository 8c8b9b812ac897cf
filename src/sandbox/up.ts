import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectCluster } from '../cluster/connect.js';
import type { Cluster } from '../cluster/cluster.js';
import { UserError } from '../errors.js';
import { LocalHost } from '../host/local.js';
import { DEFAULT_KUBERNETES_VERSION } from '../versions/pinned.js';
import { parseEventLine } from '../workflow/renderers/json.js';
import { plainRenderer } from '../workflow/renderers/plain.js';
import { provideBinaries } from './binaries.js';
import { configVersion, SANDBOX_POD_SUBNET, sandboxInitConfig } from './init-config.js';
import { assembleStages, kwokArgs, registerSimulatedNodes } from './kwok.js';
import { startMachines } from './machines.js';
import { claimNetwork, createBridge, createNode, inNetns, nodeNetwork, workerAddress, workerNetwork, type NetworkPlan } from './network.js';
import { ensureAgent } from './node-agent.js';
import { CRI_DOCKERD_ENDPOINT } from '../runtime/endpoints.js';
import { ADMIN_CONF, BOSUN_BIN, CONTROL_PLANE_NODE, sandboxPaths } from './paths.js';
import { isRunning, startDetached, type ProcessRecord } from './processes.js';
import { readState, writeJsonAtomic, writeState, type SandboxNode, type SandboxState } from './state.js';
import { assignRuntimes, createDockerWorkload, pointKubeletAtCriDockerd } from './up-runtime.js';
import { parseKubernetesVersion } from './wrapper.js';

export interface UpOptions {
  dir: string;
  version?: string;
  workers: number;
  config?: string;
  binDir?: string;
  /** `docker` or `docker=node,…` (repeatable): Docker nodes; the others run containerd. */
  runtime?: string[];
}

const READY_TIMEOUT_MS = 5 * 60_000;

/** Seconds per step, for `--timings` and `npm run bench`. */
export type Timings = Record<string, number>;

const say = (line: string) => process.stdout.write(`[sandbox] ${line}\n`);

function timer(timings: Timings) {
  return async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await step();
    } finally {
      timings[name] = (Date.now() - started) / 1000;
    }
  };
}

/**
 * Runs the real `bosun init` on the control-plane node (inside its network namespace, so its checks
 * of 127.0.0.1 endpoints reach the node's components). Its progress comes as JSON events on its stderr: shown
 * here as plain lines, and the phases' start and end times give the init timings.
 */
async function runInit(netns: string, rootfs: string, configFile: string, timings: Timings): Promise<void> {
  const argv = [...inNetns(netns), process.execPath, BOSUN_BIN, 'init', '--rootfs', rootfs, '--config', configFile, '--progress=json'];
  const started = Date.now();
  const phaseStart = new Map<string, number>();
  const phaseEnd = new Map<string, number>();
  const show = plainRenderer(process.stdout, process.stderr);
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'pipe'] });
  createInterface({ input: child.stderr }).on('line', (line) => {
    const event = parseEventLine(line);
    if (!event) return void process.stderr.write(`${line}\n`);
    show(event);
    if (event.type === 'started') phaseStart.set(event.path, event.at);
    if (event.type === 'finished') phaseEnd.set(event.path, event.at);
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const ended = Date.now();
  timings['init'] = (ended - started) / 1000;
  const waitStart = phaseStart.get('wait-control-plane');
  const waitEnd = phaseEnd.get('wait-control-plane');
  if (waitStart) timings['init/offline-phases'] = (waitStart - started) / 1000;
  if (waitStart && waitEnd) timings['init/wait-control-plane'] = (waitEnd - waitStart) / 1000;
  if (waitEnd) timings['init/api-phases'] = (ended - waitEnd) / 1000;
  if (code !== 0) throw new UserError(`bosun init failed on node ${CONTROL_PLANE_NODE} (exit ${code}); component logs are in the sandbox's logs/ directory`);
}

/** Polls /readyz until the API server says ok (the control plane answers for real, not just its port). */
async function waitReady(cluster: Cluster, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await cluster.raw('/readyz');
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${res.body
        .trim()
        .split('\n')
        .filter((l) => l.includes('failed'))
        .join('; ')}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new UserError(`the API server was not ready within ${timeoutMs / 1000}s: ${last}`);
}

/** Waits until every Node is Ready (kwok heartbeats them once it runs). */
async function waitNodesReady(cluster: Cluster, names: string[]): Promise<void> {
  const ready = (node: unknown) =>
    ((node as { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined)?.status?.conditions ?? []).some(
      (c) => c.type === 'Ready' && c.status === 'True',
    );
  for (const name of names) await cluster.watchUntil({ apiVersion: 'v1', kind: 'Node', name }, ready, READY_TIMEOUT_MS);
}

/** Starts the node's static-pod runner inside its network namespace, logging to logs/<node>/runner.log. */
export function startRunner(dir: string, node: SandboxNode) {
  const paths = sandboxPaths(dir);
  const argv = [...inNetns(node.network!.netns), process.execPath, BOSUN_BIN, 'sandbox', 'runner', '--dir', paths.root, '--node', node.name];
  return startDetached(`runner/${node.name}`, argv, path.join(paths.logs(node.name), 'runner.log'));
}

/** The --config text, what an earlier `up` left, and the version to run; refuses a running sandbox or another version. */
async function startingPoint(opts: UpOptions) {
  const root = sandboxPaths(opts.dir).root;
  const configText = opts.config
    ? await fs.readFile(opts.config, 'utf8').catch((err: Error) => {
        throw new UserError(`--config ${opts.config}: ${err.message}`);
      })
    : undefined;
  const previous = await readState(opts.dir);
  const version = opts.version ?? previous?.kubernetesVersion ?? (configText && configVersion(opts.config!, configText)) ?? DEFAULT_KUBERNETES_VERSION;
  parseKubernetesVersion(version);
  if (previous?.processes.some(isRunning)) {
    throw new UserError(`a sandbox is already running in ${root} (bosun sandbox status / bosun sandbox down --dir ${opts.dir})`);
  }
  if (previous && previous.kubernetesVersion !== version) {
    throw new UserError(`--version ${version}: the sandbox in ${root} runs ${previous.kubernetesVersion}; bosun sandbox down --purge first`);
  }
  return { configText, previous, version };
}

/** The sandbox's nodes: what an earlier `up` left, or the control-plane node and `workers` simulated workers. */
function sandboxState(opts: UpOptions, version: string, plan: NetworkPlan, previous: SandboxState | undefined): { state: SandboxState; cp: SandboxNode } {
  const cp: SandboxNode = previous?.nodes.find((n) => n.name === CONTROL_PLANE_NODE) ?? {
    name: CONTROL_PLANE_NODE,
    role: 'control-plane',
    simulated: false,
    network: nodeNetwork(plan, CONTROL_PLANE_NODE, 0),
  };
  const workers: SandboxNode[] = Array.from({ length: opts.workers }, (_, i) => ({
    name: `worker-${i + 1}`,
    role: 'worker',
    simulated: true,
    network: workerNetwork(plan, `worker-${i + 1}`, i),
  }));
  const state: SandboxState = {
    kubernetesVersion: version,
    binDir: opts.binDir && path.resolve(opts.binDir),
    network: plan,
    nodes: previous ? previous.nodes : [cp, ...workers],
    processes: [],
  };
  return { state, cp };
}

/** Runs `bosun init` on the control-plane node, unless an earlier `up` did (its runner then starts it again). */
async function initControlPlane(opts: UpOptions, cp: SandboxNode, version: string, configText: string | undefined, timings: Timings): Promise<void> {
  const paths = sandboxPaths(opts.dir);
  const rootfs = paths.nodeRoot(cp.name);
  if (existsSync(path.join(rootfs, ADMIN_CONF))) {
    say(`node ${cp.name} is already initialized: starting its control plane again`);
    return;
  }
  const configFile = path.join(paths.root, 'init-config.yaml');
  const criSocket = cp.runtime === 'docker' ? CRI_DOCKERD_ENDPOINT : undefined;
  await fs.writeFile(
    configFile,
    sandboxInitConfig({ file: opts.config, text: configText, version, nodeName: cp.name, address: cp.network!.address, criSocket }),
  );
  say(`running bosun init --rootfs ${rootfs} --config ${configFile}`);
  await runInit(cp.network!.netns, rootfs, configFile, timings);
}

/** The running control plane as kwok needs it: its node (kwok runs in its network namespace) and its API. */
interface ControlPlane {
  node: SandboxNode;
  kubeconfig: string;
  cluster: Cluster;
}

/** Starts kwok beside the control plane and registers the simulated nodes it keeps Ready; waits until every node is. */
async function startKwok(dir: string, state: SandboxState, cp: ControlPlane, kwok: string, started: (p: ProcessRecord) => Promise<void>): Promise<void> {
  const paths = sandboxPaths(dir);
  await fs.mkdir(paths.kwokDir, { recursive: true });
  const stagesFile = path.join(paths.kwokDir, 'stages.yaml');
  await fs.writeFile(stagesFile, await assembleStages());
  const argv = [...inNetns(cp.node.network!.netns), ...kwokArgs(kwok, cp.kubeconfig, stagesFile, SANDBOX_POD_SUBNET)];
  await started(startDetached('kwok', argv, path.join(paths.kwokDir, 'kwok.log')));
  const simulated = state.nodes.filter((n) => n.simulated);
  await registerSimulatedNodes(
    cp.cluster,
    simulated.map((n) => ({ name: n.name, address: workerAddress(state, n) })),
    state.kubernetesVersion,
  );
  await waitNodesReady(
    cp.cluster,
    state.nodes.map((n) => n.name),
  );
}

/**
 * `bosun sandbox up`: binaries, the node network, every node's machine (its namespace, sshd and rootfs), the
 * static-pod runner, the real `bosun init`, kwok and simulated workers. A sandbox that was stopped with `down`
 * (files kept) is started again without init.
 */
export async function up(opts: UpOptions): Promise<Timings> {
  if (process.getuid?.() !== 0) throw new UserError('bosun sandbox up needs root: it creates network namespaces and a bridge');
  const paths = sandboxPaths(opts.dir);
  const timings: Timings = {};
  const time = timer(timings);
  const started = Date.now();
  const { configText, previous, version } = await startingPoint(opts);

  const provided = await time('binaries', () => provideBinaries([version], opts.binDir));
  const binary = (name: string) => provided.flatMap((p) => Object.entries(p.paths)).find(([n]) => n === name)![1];

  const { state, cp } = sandboxState(opts, version, await claimNetwork(previous?.network.slot), previous);
  if (previous && opts.runtime?.length) throw new UserError(`--runtime: the sandbox in ${paths.root} exists; its nodes keep the runtime on their disks`);
  assignRuntimes(state.nodes, opts.runtime);
  // Written before anything starts, so `down` can clean up after a failed `up`.
  await writeState(opts.dir, state);
  const record = async (p: ProcessRecord) => {
    state.processes.push(p);
    await writeState(opts.dir, state);
  };

  await time('network', async () => {
    await createBridge(state.network);
    await createNode(state.network, cp.network!);
  });
  say(`node ${cp.name}: network namespace ${cp.network!.netns}, address ${cp.network!.address}`);

  const inventory = await time('machines', () => startMachines(opts.dir, state, state.nodes, binary('kubelet'), record));
  for (const node of state.nodes.filter((n) => n.simulated && n.runtime === 'docker')) await pointKubeletAtCriDockerd(paths.nodeRoot(node.name));
  say(`${state.nodes.filter((n) => n.network).length} machine(s) with sshd on port 22; their inventory: bosun sandbox inventory --dir ${opts.dir}`);
  await record(startRunner(opts.dir, cp));
  say(`node ${cp.name}: static-pod runner started (logs in ${paths.logs(cp.name)})`);

  await initControlPlane(opts, cp, version, configText, timings);
  const host = new LocalHost(paths.nodeRoot(cp.name));
  const cluster = await connectCluster(host, ADMIN_CONF);
  await time('control-plane-ready', () => waitReady(cluster, READY_TIMEOUT_MS));
  const kubeconfig = host.resolve(ADMIN_CONF);
  await time('kwok', () => startKwok(opts.dir, state, { node: cp, kubeconfig, cluster }, binary('kwok'), record));
  if (state.nodes.some((n) => n.runtime === 'docker')) await createDockerWorkload(cluster);
  // Joining nodes (bosun sandbox join, or bosun join --rootfs into the sandbox) need a kubelet's TLS bootstrap.
  await ensureAgent(opts.dir, state);
  timings['total'] = (Date.now() - started) / 1000;
  await writeJsonAtomic(paths.timings, timings);

  say(`the control plane is ready: ${state.nodes.length} node(s) (${state.nodes.map((n) => n.name).join(', ')})`);
  process.stdout.write(
    `\nTo use it:\n\n  export KUBECONFIG=${kubeconfig}\n  ${binary('kubectl')} get nodes\n` +
      `  bosun upgrade nodes --inventory ${inventory}    # its nodes, as bosun reaches them\n` +
      `  bosun sandbox inventory${opts.dir === '.sandbox' ? '' : ` --dir ${opts.dir}`}    # its nodes as SSH hosts (sshd on each node's address)\n\n` +
      `Stop it with "bosun sandbox down${opts.dir === '.sandbox' ? '' : ` --dir ${opts.dir}`}" (add --purge to delete its files).\n`,
  );
  return timings;
}
