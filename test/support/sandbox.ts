import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, watch } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Cluster } from '../../src/cluster/cluster.js';
import { KubeletDownloads, kubeletInstaller } from '../../src/commands/upgrade/nodes/kubelet-binary.js';
import { download } from '../../src/host/download.js';
import { LocalHost } from '../../src/host/local.js';
import type { Node } from '../../src/kube/workloads.js';
import { readInventory, type InventoryHost } from '../../src/inventory/inventory.js';
import { artifactDir, kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { claimNetwork, createBridge, createNode, inNetns, nodeNetwork } from '../../src/sandbox/network.js';
import { CONTROL_PLANE_NODE, sandboxPaths } from '../../src/sandbox/paths.js';
import { isRunning, startDetached } from '../../src/sandbox/processes.js';
import { writeState, type SandboxState } from '../../src/sandbox/state.js';
import type { PodReport } from '../../src/sandbox/mirror.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../src/versions/pinned.js';

/** The built CLI (tests run `npm run build` first, as CI does): e2e tests drive bosun as a user would. */
export const BOSUN = fileURLToPath(new URL('../../bin/bosun.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bosun …` (or any command) to completion, capturing its output. */
export function runCommand(argv: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const stdin = opts.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, CI: 'true', ...opts.env }, stdio: [stdin, 'pipe', 'pipe'] });
    child.stdin?.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export const bosun = (...args: string[]) => runCommand([process.execPath, BOSUN, ...args]);

/**
 * Resolves once `check` returns a value, re-checking whenever something in `dir` changes (and every few
 * seconds in case an event was missed); rejects with the last state at the timeout.
 */
export async function waitForFile<T>(dir: string, check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  await fs.mkdir(dir, { recursive: true });
  return new Promise((resolve, reject) => {
    let done = false;
    let checking = false;
    let again = false;
    const finish = (fn: () => void) => {
      done = true;
      watcher.close();
      clearInterval(poll);
      clearTimeout(deadline);
      fn();
    };
    const attempt = async () => {
      if (done) return;
      if (checking) return void (again = true);
      checking = true;
      try {
        const value = await check();
        if (value !== undefined && !done) finish(() => resolve(value));
      } catch (err) {
        if (!done) finish(() => reject(err));
      } finally {
        checking = false;
        if (again) {
          again = false;
          void attempt();
        }
      }
    };
    const watcher = watch(dir, () => void attempt());
    const poll = setInterval(() => void attempt(), 2_000);
    const deadline = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}`))), timeoutMs);
    void attempt();
  });
}

/** A node with only its runner (no init): for testing the runner on hand-written manifests. */
export interface RunnerNode {
  dir: string;
  rootfs: string;
  manifests: string;
  logs: string;
  address: string;
  /** The runner's view of its pods (pods.json), as `bosun sandbox status` reads it. */
  pods(): Promise<PodReport[]>;
  /** Waits until the runner reports pods satisfying `check`. */
  waitPods<T>(check: (pods: PodReport[]) => T | undefined, what: string, timeoutMs?: number): Promise<T>;
  /** Kills the runner (SIGKILL: it cannot stop its containers) and starts a new one. */
  crashRunner(): Promise<void>;
  /** `bosun sandbox down --purge`. */
  down(): Promise<CliResult>;
}

export async function startRunnerNode(): Promise<RunnerNode> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-runner-'));
  const paths = sandboxPaths(dir);
  const plan = await claimNetwork();
  const network = nodeNetwork(plan, CONTROL_PLANE_NODE, 0);
  const state: SandboxState = {
    kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
    network: plan,
    nodes: [{ name: CONTROL_PLANE_NODE, role: 'control-plane', simulated: false, network }],
    processes: [],
  };
  await writeState(dir, state);
  await createBridge(plan);
  await createNode(plan, network);
  const argv = [...inNetns(network.netns), process.execPath, BOSUN, 'sandbox', 'runner', '--dir', dir, '--node', CONTROL_PLANE_NODE];
  const startRunner = async () => {
    state.processes = [startDetached(`runner/${CONTROL_PLANE_NODE}`, argv, path.join(paths.logs(CONTROL_PLANE_NODE), 'runner.log'))];
    await writeState(dir, state);
  };
  await startRunner();
  const runDir = paths.runDir(CONTROL_PLANE_NODE);
  const pods = async () => {
    const file = path.join(runDir, 'pods.json');
    return existsSync(file) ? (JSON.parse(await fs.readFile(file, 'utf8')) as { pods: PodReport[] }).pods : [];
  };
  return {
    dir,
    rootfs: paths.nodeRoot(CONTROL_PLANE_NODE),
    manifests: path.join(paths.nodeRoot(CONTROL_PLANE_NODE), 'etc/kubernetes/manifests'),
    logs: paths.logs(CONTROL_PLANE_NODE),
    address: network.address,
    pods,
    waitPods: (check, what, timeoutMs = 120_000) => waitForFile(runDir, async () => check(await pods()), timeoutMs, what),
    crashRunner: async () => {
      process.kill(state.processes[0].pid, 'SIGKILL');
      while (isRunning(state.processes[0])) await sleep(20);
      await startRunner();
    },
    down: () => bosun('sandbox', 'down', '--dir', dir, '--purge'),
  };
}

/** A whole sandbox from `bosun sandbox up`, one per test file. */
export interface Sandbox {
  dir: string;
  kubeconfig: string;
  kubectl: string;
  /** The inventory `sandbox up` wrote: how bosun reaches the sandbox's nodes (`upgrade nodes --inventory`). */
  inventory: string;
  up: CliResult;
  /** `kubectl --kubeconfig admin.conf …` with the sandbox's own kubectl. */
  kubectlRun(...args: string[]): Promise<CliResult>;
  /** The same, failing with kubectl's stderr unless it succeeds; resolves to its stdout. */
  kubectlOk(...args: string[]): Promise<string>;
  /** `kubectl apply -f -` of a YAML stream. */
  apply(yaml: string): Promise<void>;
  down(): Promise<CliResult>;
}

export async function startSandbox(opts: { workers?: number; version?: string; args?: string[] } = {}): Promise<Sandbox> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-sandbox-'));
  const version = opts.version ?? DEFAULT_KUBERNETES_VERSION;
  const result = await bosun('sandbox', 'up', '--dir', dir, '--version', version, '--workers', String(opts.workers ?? 0), '--timings', ...(opts.args ?? []));
  const kubeconfig = path.join(sandboxPaths(dir).nodeRoot(CONTROL_PLANE_NODE), 'etc/kubernetes/admin.conf');
  const kubectl = path.join(artifactDir(kubernetesArtifact(version)), 'kubectl');
  const sandbox: Sandbox = {
    dir,
    kubeconfig,
    kubectl,
    inventory: /bosun upgrade nodes --inventory (\S+)/.exec(result.stdout)?.[1] ?? '(sandbox up printed no inventory)',
    up: result,
    kubectlRun: (...args) => runCommand([kubectl, '--kubeconfig', kubeconfig, ...args]),
    kubectlOk: async (...args) => {
      const r = await runCommand([kubectl, '--kubeconfig', kubeconfig, ...args]);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    apply: async (yaml) => {
      const r = await runCommand([kubectl, '--kubeconfig', kubeconfig, 'apply', '-f', '-'], { input: yaml });
      if (r.code !== 0) throw new Error(`kubectl apply: ${r.stderr}`);
    },
    down: () => bosun('sandbox', 'down', '--dir', dir, '--purge'),
  };
  if (result.code !== 0) {
    const logs = await bosun('sandbox', 'status', '--dir', dir);
    await sandbox.down();
    throw new Error(`bosun sandbox up failed (exit ${result.code}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}\n${logs.stdout}`);
  }
  return sandbox;
}

function localRoot(entry: InventoryHost): string {
  if (entry.reach.via !== 'local') throw new Error(`host ${entry.name} is reached over ssh, not under a root directory`);
  return entry.reach.root;
}

/** The root directory of a node of the sandbox, as its inventory names it. */
export async function nodeRoot(sandbox: Sandbox, node: string): Promise<string> {
  const entry = (await readInventory(new LocalHost('/'), sandbox.inventory)).get(node);
  if (!entry) throw new Error(`${sandbox.inventory} names no node ${node}`);
  return localRoot(entry);
}

/**
 * Puts kubelet `version` on these nodes' disks, the way the sandbox's inventory says its kubelets are installed,
 * and waits until their Nodes report it: a node's kubelet version comes from the binary on its disk.
 */
export async function installKubelet(sandbox: Sandbox, cluster: Cluster, version: string, nodes: string[]): Promise<void> {
  const inventory = await readInventory(new LocalHost('/'), sandbox.inventory);
  await Promise.all(
    nodes.map(async (name) => {
      const entry = inventory.get(name);
      if (!entry) throw new Error(`${sandbox.inventory} names no node ${name}`);
      await kubeletInstaller(entry.kubelet, new LocalHost('/'), new KubeletDownloads(download)).install(
        new LocalHost(localRoot(entry)),
        version,
        () => undefined,
      );
    }),
  );
  const controller = new AbortController();
  const seen = new Map<string, string | undefined>();
  const timer = setTimeout(() => controller.abort(), 60_000);
  const all = () => nodes.every((n) => seen.get(n) === version);
  await cluster.watch<Node>(
    'v1',
    'Node',
    {},
    (e) => {
      for (const node of e.type === 'LISTED' ? e.items : e.type === 'DELETED' ? [] : [e.object])
        seen.set(node.metadata.name, node.status?.nodeInfo?.kubeletVersion);
      if (all()) controller.abort();
    },
    controller.signal,
  );
  clearTimeout(timer);
  if (!all()) throw new Error(`after 60s, not every node reports kubelet ${version}: ${nodes.map((n) => `${n}=${seen.get(n)}`).join(', ')}`);
}

/** The system OpenSSH client on the sandbox's machines: its key, its known_hosts, host keys checked strictly. */
export interface SandboxSsh {
  knownHosts: string;
  keyPath: string;
  /** `ssh root@address command`. */
  ssh(address: string, command: string, opts?: { knownHosts?: string }): Promise<CliResult>;
  /** `sftp -b -` with these batch commands. */
  sftp(address: string, batch: string): Promise<CliResult>;
}

export function sandboxSsh(sandbox: Pick<Sandbox, 'dir'>): SandboxSsh {
  const paths = sandboxPaths(sandbox.dir);
  const options = (knownHosts: string) => [
    '-i',
    paths.clientKey,
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=20',
  ];
  return {
    knownHosts: paths.knownHosts,
    keyPath: paths.clientKey,
    ssh: (address, command, opts = {}) => runCommand(['ssh', ...options(opts.knownHosts ?? paths.knownHosts), `root@${address}`, command]),
    sftp: (address, batch) => runCommand(['sftp', ...options(paths.knownHosts), '-b', '-', `root@${address}`], { input: batch }),
  };
}
