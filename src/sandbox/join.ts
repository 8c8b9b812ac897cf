import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { connectCluster } from '../cluster/connect.js';
import { UserError } from '../errors.js';
import { LocalHost } from '../host/local.js';
import { generateCertificateKey } from '../tokens/certs-secret.js';
import { emitYamlDocuments, parseYamlDocuments } from '../util/yaml.js';
import { kubernetesArtifact, locateBinary } from './binaries.js';
import { startMachines } from './machines.js';
import { inNetns, nodeNetwork, workerNetwork } from './network.js';
import { ensureAgent } from './node-agent.js';
import { CRI_DOCKERD_ENDPOINT } from '../runtime/endpoints.js';
import type { SandboxRuntime } from './node-runtime.js';
import { ADMIN_CONF, BOSUN_BIN, CONTROL_PLANE_NODE, sandboxPaths, type SandboxPaths } from './paths.js';
import type { ProcessRecord } from './processes.js';
import { requireState, writeState, type SandboxNode, type SandboxState } from './state.js';
import { startRunner, type Timings } from './up.js';
import { createDockerWorkload, kubeletOnCgroupfs } from './up-runtime.js';

export interface JoinOptions {
  dir: string;
  workers: number;
  controlPlanes: number;
  /** How many workers join at once (all by default). */
  parallel?: number;
  /** The joined nodes' container runtime (default containerd); Docker nodes join on cri-dockerd's socket. */
  runtime?: SandboxRuntime;
}

const READY_TIMEOUT_MS = 5 * 60_000;
/** Simulated workers have no kubelet on this machine: port 10250 is not theirs to check (and 50 joins checking it at once would race). */
const SIMULATED_IGNORED_CHECKS = 'Port-10250';

const say = (line: string) => process.stdout.write(`[sandbox] ${line}\n`);

/** CPU seconds of this process's children that have ended (cutime + cstime of /proc/self/stat). */
export function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat (cutime, cstime), counted here from field 3; clock ticks are 100 per second on Linux.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Runs a bosun command to completion, its output to a log file; a failure carries the log's tail. */
function runBosun(argv: string[], logFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BOSUN_PLAIN: '1' } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', async (code) => {
      await mkdir(path.dirname(logFile), { recursive: true });
      await writeFile(logFile, out);
      if (code === 0) resolve(out);
      else
        reject(
          new UserError(
            `${argv.slice(argv.indexOf(BOSUN_BIN) + 1, argv.indexOf(BOSUN_BIN) + 3).join(' ')} failed (exit ${code}); log ${logFile}:\n${out.trimEnd().split('\n').slice(-15).join('\n')}`,
          ),
        );
    });
  });
}

const bosun = (args: string[]) => [process.execPath, BOSUN_BIN, ...args];

/** init's configuration documents with InitConfiguration.certificateKey set. */
function withCertificateKey(text: string, key: string): string {
  const docs = parseYamlDocuments(text) as Array<Record<string, unknown>>;
  for (const doc of docs) if (doc.kind === 'InitConfiguration') doc.certificateKey = key;
  return emitYamlDocuments(docs);
}

/** The arguments of the printed `bosun join …` line (after `bosun`). */
function joinArgs(line: string): string[] {
  const words = line.trim().split(/\s+/);
  if (words[0] !== 'bosun' || words[1] !== 'join') throw new UserError(`token create printed no join command: "${line.trim()}"`);
  return words.slice(1);
}

/** `worker-1`, `worker-2`, …; control-plane nodes count on from the first one, `control-plane`: `control-plane-2`, … */
function nextName(state: SandboxState, prefix: string, first = 1): string {
  const taken = new Set(state.nodes.map((n) => n.name));
  for (let i = first; ; i++) if (!taken.has(`${prefix}-${i}`)) return `${prefix}-${i}`;
}

/** Keeps a process a join started in the state, for `down`. */
async function record({ dir, state }: JoinSession, p: ProcessRecord): Promise<void> {
  state.processes.push(p);
  await writeState(dir, state);
}

/** The next free network index of a control-plane node: .10 + index is its address, so indices never repeat. */
function nextNetworkIndex(state: SandboxState): number {
  const used = state.nodes.flatMap((n) => (n.network && !n.simulated ? [Number(/n(\d+)$/.exec(n.network.hostVeth)?.[1] ?? 0)] : []));
  return Math.max(-1, ...used) + 1;
}

async function waitNodesReady(dir: string, names: string[]): Promise<void> {
  const host = new LocalHost(sandboxPaths(dir).nodeRoot(CONTROL_PLANE_NODE));
  const cluster = await connectCluster(host, ADMIN_CONF);
  const ready = (node: unknown) =>
    ((node as { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined)?.status?.conditions ?? []).some(
      (c) => c.type === 'Ready' && c.status === 'True',
    );
  await Promise.all(names.map((name) => cluster.watchUntil({ apiVersion: 'v1', kind: 'Node', name }, ready, READY_TIMEOUT_MS)));
}

/** What every join of a `sandbox join` shares: the sandbox, its state and the control plane's admin kubeconfig. */
interface JoinSession {
  dir: string;
  paths: SandboxPaths;
  state: SandboxState;
  /** The admin kubeconfig on the first control-plane node's rootfs. */
  admin: string;
  /** The kubelet binary the joined nodes are equipped with. */
  kubelet: string;
  runtime?: SandboxRuntime;
}

/** A Docker node joins as `kubeadm join --cri-socket unix:///var/run/cri-dockerd.sock` did. */
const criSocketArgs = (session: JoinSession) => (session.runtime === 'docker' ? ['--cri-socket', CRI_DOCKERD_ENDPOINT] : []);

/** The printed join line's arguments for one node of this sandbox: its files, its name, its runtime's socket. */
const nodeJoinArgs = (session: JoinSession, line: string, name: string) => [
  ...joinArgs(line),
  ...criSocketArgs(session),
  '--rootfs',
  session.paths.nodeRoot(name),
  '--node-name',
  name,
];

/** The sandbox to join into: refuses one whose control plane was not initialized or whose kubelet is not built. */
async function openSession(dir: string, runtime: SandboxRuntime | undefined): Promise<JoinSession> {
  const paths = sandboxPaths(dir);
  const state = await requireState(dir);
  const admin = path.join(paths.nodeRoot(CONTROL_PLANE_NODE), ADMIN_CONF);
  if (!existsSync(admin)) throw new UserError(`${admin} is missing: the sandbox's control plane was not initialized (bosun sandbox up)`);
  await ensureAgent(dir, state);
  const kubelet = await locateBinary(kubernetesArtifact(state.kubernetesVersion), 'kubelet', state.binDir);
  if (!kubelet) throw new UserError(`kubelet ${state.kubernetesVersion} is not built: run "bosun sandbox binaries --version ${state.kubernetesVersion}"`);
  return { dir, paths, state, admin, kubelet, runtime };
}

/**
 * Uploads the shared certificates under a new key and prints the join line that carries it: each control-plane
 * join gets its own key, as `kubeadm init phase upload-certs` gives one.
 */
async function controlPlaneJoinLine({ paths, admin }: JoinSession): Promise<string> {
  const key = generateCertificateKey();
  // kubeadm takes the certificate key beside --config only in the file: a copy of init's config with the key.
  const initConfig = path.join(paths.root, 'upload-certs-config.yaml');
  await writeFile(initConfig, withCertificateKey(await readFile(path.join(paths.root, 'init-config.yaml'), 'utf8'), key), { mode: 0o600 });
  await runBosun(
    bosun(['init', 'phase', 'upload-certs', '--upload-certs', '--config', initConfig, '--rootfs', paths.nodeRoot(CONTROL_PLANE_NODE)]),
    path.join(paths.logs(CONTROL_PLANE_NODE), 'upload-certs.log'),
  );
  return runBosun(
    bosun(['token', 'create', '--print-join-command', '--certificate-key', key, '--kubeconfig', admin]),
    path.join(paths.logs(CONTROL_PLANE_NODE), 'token-create.log'),
  );
}

/** One more control-plane node: its network namespace and static-pod runner, then the real `bosun join` in it. */
async function joinControlPlane(session: JoinSession, timings: Timings): Promise<string> {
  const { dir, paths, state } = session;
  const line = await controlPlaneJoinLine(session);
  const name = nextName(state, CONTROL_PLANE_NODE, 2);
  const network = nodeNetwork(state.network, name, nextNetworkIndex(state));
  const node: SandboxNode = { name, role: 'control-plane', simulated: false, network, runtime: session.runtime };
  state.nodes.push(node);
  await writeState(dir, state);
  await startMachines(dir, state, [node], session.kubelet, (p) => record(session, p));
  state.processes.push(startRunner(dir, node));
  await writeState(dir, state);
  say(`node ${name}: network namespace ${network.netns}, address ${network.address}; joining as a control-plane node`);
  const started = Date.now();
  await runBosun(
    [...inNetns(network.netns), ...bosun([...nodeJoinArgs(session, line, name), '--apiserver-advertise-address', network.address])],
    path.join(paths.logs(name), 'join.log'),
  );
  if (session.runtime === 'docker') await kubeletOnCgroupfs(paths.nodeRoot(name));
  timings[`join/${name}`] = (Date.now() - started) / 1000;
  return name;
}

/** `count` simulated workers, joined `parallel` at a time with one shared token, then waited for until Ready. */
async function joinWorkers(session: JoinSession, count: number, parallel: number | undefined, timings: Timings): Promise<string[]> {
  const { dir, paths, state } = session;
  const line = await runBosun(
    bosun(['token', 'create', '--print-join-command', '--kubeconfig', session.admin]),
    path.join(paths.logs(CONTROL_PLANE_NODE), 'token-create.log'),
  );
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = nextName(state, 'worker');
    const index = state.nodes.filter((n) => n.simulated).length;
    state.nodes.push({ name, role: 'worker', simulated: true, network: workerNetwork(state.network, name, index), runtime: session.runtime });
    names.push(name);
  }
  await writeState(dir, state);
  await startMachines(
    dir,
    state,
    state.nodes.filter((n) => names.includes(n.name)),
    session.kubelet,
    (p) => record(session, p),
  );
  say(`joining ${names.length} simulated worker(s), ${parallel || names.length} at a time: ${names.join(', ')}`);
  const cpuBefore = childrenCpuSeconds();
  const started = Date.now();
  const limit = pLimit(parallel || names.length);
  await Promise.all(
    names.map((name) =>
      limit(async () => {
        await runBosun(
          bosun([...nodeJoinArgs(session, line, name), '--ignore-preflight-errors', SIMULATED_IGNORED_CHECKS]),
          path.join(paths.logs(name), 'join.log'),
        );
        if (session.runtime === 'docker') await kubeletOnCgroupfs(paths.nodeRoot(name));
      }),
    ),
  );
  timings['join/workers-joined'] = (Date.now() - started) / 1000;
  timings['join/cpu-per-worker-join'] = (childrenCpuSeconds() - cpuBefore) / names.length;
  await waitNodesReady(dir, names);
  timings['join/workers-ready'] = (Date.now() - started) / 1000;
  return names;
}

/**
 * `bosun sandbox join`: joins nodes with the real `bosun join`, using the line `bosun token create
 * --print-join-command` prints. Every node is a machine (its network namespace, sshd and rootfs). Workers are
 * simulated (the node agent plays their kubelet's TLS bootstrap and kwok keeps their Node Ready); a control-plane
 * node gets a static-pod runner and the shared certificates through the kubeadm-certs Secret (uploaded here with a
 * new key).
 */
export async function sandboxJoin(opts: JoinOptions): Promise<Timings> {
  const session = await openSession(opts.dir, opts.runtime);
  const timings: Timings = {};
  const joined: string[] = [];
  for (let i = 0; i < opts.controlPlanes; i++) joined.push(await joinControlPlane(session, timings));
  if (opts.workers > 0) joined.push(...(await joinWorkers(session, opts.workers, opts.parallel, timings)));
  await waitNodesReady(opts.dir, joined);
  // Docker nodes come with a workload on docker.sock, as `up --runtime docker` gives them: something for a migration to find.
  if (opts.runtime === 'docker' && joined.length)
    await createDockerWorkload(await connectCluster(new LocalHost(session.paths.nodeRoot(CONTROL_PLANE_NODE)), ADMIN_CONF));
  say(`joined ${joined.length} node(s): ${joined.join(', ')}`);
  say(`its nodes, as bosun reaches them: bosun upgrade nodes --inventory ${session.paths.inventory}`);
  say(`its nodes as SSH hosts: bosun sandbox inventory --dir ${opts.dir}`);
  return timings;
}
