/**
 * Who runs a node's node-side steps. `local`: bosun runs on that node (its Host is this machine, or --rootfs).
 * `sandbox`: a node of `bosun sandbox` (its rootfs is a directory of the sandbox, its kubelet the version the
 * kwok-managed Node reports). Remote executors (SSH, in-cluster Jobs) and Windows steps slot in here later.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Cluster } from '../cluster/cluster.js';
import type { ConfigMap } from '../kube/objects.js';
import { KUBELET_CONFIG_FILE } from '../kube/paths.js';
import type { Node } from '../kube/workloads.js';
import { UserError } from '../errors.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local.js';
import { parseYaml } from '../util/yaml.js';
import type { ExecutorKind } from './plan.js';
import type { NodeSideStep } from './steps.js';

export interface StepContext {
  node: string;
  target: string;
  cluster: Cluster;
  log(line: string): void;
}

export interface NodeExecutor {
  readonly kind: ExecutorKind;
  /** Runs one node-side step. Steps are idempotent: one that was running when bosun died is run again. */
  run(step: NodeSideStep, ctx: StepContext): Promise<void>;
}

const unsupported = (kind: string, step: string) => new UserError(`the ${kind} executor has no "${step}" step (Windows node steps come with the remote executors)`);

/** bosun runs on the node: `bosun upgrade node` there, then the kubelet restarted by its service manager. */
export class LocalExecutor implements NodeExecutor {
  readonly kind = 'local';

  constructor(
    private readonly host: Host,
    /** Extra `bosun upgrade node` flags for this node (`--kubelet-install=none`, `--rootfs`). */
    private readonly upgradeNodeArgs: string[] = [],
  ) {}

  async run(step: NodeSideStep, ctx: StepContext): Promise<void> {
    if (step === 'upgrade-node') return this.upgradeNode(ctx);
    if (step === 'kubelet-restart') return this.host.service('kubelet').restart();
    throw unsupported(this.kind, step);
  }

  private upgradeNode(ctx: StepContext): Promise<void> {
    const argv = [process.argv[1], 'upgrade', 'node', ...this.upgradeNodeArgs];
    ctx.log(`[upgrade/nodes] ${ctx.node}: running bosun ${argv.slice(1).join(' ')}`);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BOSUN_PLAIN: '1' } });
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) ctx.log(`  ${line}`);
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bosun upgrade node exited ${code}: ${output.trim().split('\n').at(-1) ?? ''}`))));
    });
  }
}

/**
 * A sandbox node: the kubelet configuration from the cluster's kubelet-config ConfigMap is written into the
 * node's rootfs (as `upgrade node` does on a real node), and the "restart" is the Node reporting the new
 * kubelet version, as a restarted kubelet would.
 */
export class SandboxExecutor implements NodeExecutor {
  readonly kind = 'sandbox';

  constructor(private readonly rootfs?: string) {}

  async run(step: NodeSideStep, ctx: StepContext): Promise<void> {
    if (step === 'upgrade-node') {
      if (!this.rootfs) return ctx.log(`[upgrade/nodes] ${ctx.node}: no sandbox rootfs known: kubelet configuration not written`);
      const cm = await ctx.cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kubelet-config' });
      const config = cm?.data?.kubelet;
      if (config === undefined) throw new UserError('ConfigMap kube-system/kubelet-config has no "kubelet" key: is this a kubeadm cluster?');
      const host = new LocalHost(this.rootfs);
      if ((await host.readFile(KUBELET_CONFIG_FILE))?.toString('utf8') !== config) await host.writeFileAtomic(KUBELET_CONFIG_FILE, config, 0o644);
      return;
    }
    if (step === 'kubelet-restart') {
      await ctx.cluster.patch({ apiVersion: 'v1', kind: 'Node', name: ctx.node }, { status: { nodeInfo: { kubeletVersion: ctx.target } } }, { subresource: 'status' });
      return;
    }
    throw unsupported(this.kind, step);
  }
}

/** One node's entry of `--inventory`. */
export interface InventoryEntry {
  name: string;
  executor: ExecutorKind;
  /** local: the node's files live under this directory (default /). */
  rootfs?: string;
  /** local: how `bosun upgrade node` replaces the kubelet (`package`, `none`). */
  kubeletInstall?: string;
}

/** `--inventory` (YAML or JSON: `nodes: [{name, executor, rootfs?, kubeletInstall?}]`) plus `--executor node=kind` flags. */
export function readInventory(file: string | undefined, flags: string[]): Map<string, InventoryEntry> {
  const entries = new Map<string, InventoryEntry>();
  if (file) {
    let doc: { nodes?: unknown };
    try {
      doc = parseYaml(readFileSync(file, 'utf8')) as { nodes?: unknown };
    } catch (err) {
      throw new UserError(`--inventory ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (!Array.isArray(doc?.nodes)) throw new UserError(`--inventory ${file}: expected a list under "nodes"`);
    doc.nodes.forEach((n: Partial<InventoryEntry>, i: number) => {
      if (typeof n?.name !== 'string' || !n.name) throw new UserError(`--inventory ${file}: nodes[${i}].name: expected a node name`);
      if (n.executor !== 'local' && n.executor !== 'sandbox') throw new UserError(`--inventory ${file}: nodes[${i}].executor: expected "local" or "sandbox", got "${n.executor}"`);
      entries.set(n.name, { name: n.name, executor: n.executor, rootfs: n.rootfs, kubeletInstall: n.kubeletInstall });
    });
  }
  for (const flag of flags) {
    const [name, kind] = flag.split('=');
    if (!name || (kind !== 'local' && kind !== 'sandbox')) throw new UserError(`--executor: expected NODE=local or NODE=sandbox, got "${flag}"`);
    entries.set(name, { ...entries.get(name), name, executor: kind });
  }
  return entries;
}

const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

/** The sandbox directory a kubeconfig lives in (`<dir>/nodes/<node>/etc/kubernetes/admin.conf`), if it does. */
export function sandboxDirOf(kubeconfig: string): string | undefined {
  for (let dir = path.dirname(kubeconfig); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const state = path.join(dir, 'state.json');
    if (existsSync(state) && existsSync(path.join(dir, 'nodes'))) return dir;
  }
  return undefined;
}

/**
 * Chooses each node's executor: the inventory's, else `sandbox` for kwok-managed nodes, else `local` for the
 * node bosun runs on (by hostname).
 */
export function executorChooser(inventory: Map<string, InventoryEntry>, sandboxDir: string | undefined) {
  const hostname = os.hostname();
  const kindOf = (node: Node): ExecutorKind | { missing: string } => {
    const name = node.metadata.name;
    const entry = inventory.get(name);
    if (entry) return entry.executor;
    if (node.metadata.annotations?.[KWOK_ANNOTATION] === 'fake') return 'sandbox';
    if (name === hostname) return 'local';
    return { missing: `no executor: bosun runs on ${hostname}, not on this node, and --inventory names none for it (remote executors come later)` };
  };
  const create = (name: string, kind: ExecutorKind): NodeExecutor => {
    const entry = inventory.get(name);
    if (kind === 'sandbox') {
      const rootfs = sandboxDir ? path.join(sandboxDir, 'nodes', name) : undefined;
      return new SandboxExecutor(rootfs);
    }
    const rootfs = entry?.rootfs ?? '/';
    const args = [...(rootfs !== '/' ? ['--rootfs', rootfs] : []), ...(entry?.kubeletInstall ? [`--kubelet-install=${entry.kubeletInstall}`] : [])];
    return new LocalExecutor(new LocalHost(rootfs), args);
  };
  return { kindOf, create };
}
