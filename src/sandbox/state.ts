import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { NetworkPlan, NodeNetwork } from './network.js';
import type { SandboxRuntime } from './node-runtime.js';
import { sandboxPaths } from './paths.js';
import type { ProcessRecord } from './processes.js';

/**
 * A node of the sandbox: a real one (its static-pod runner, its rootfs) or a worker simulated by kwok. Either is a
 * machine: a network namespace where its sshd listens, chrooted into its rootfs.
 */
export interface SandboxNode {
  name: string;
  role: 'control-plane' | 'worker';
  simulated: boolean;
  /** Absent for simulated workers past the network's worker addresses (WORKER_MACHINES). */
  network?: NodeNetwork;
  /** The container runtime it was made with (absent: containerd); its disk says what it runs now. */
  runtime?: SandboxRuntime;
  /** A Windows machine (`sandbox hosts --windows`): its system drive `C:` in its rootfs, PowerShell over SSH. */
  os?: 'windows';
}

/** What `up` created, so `status` and `down` find every process and link again. */
export interface SandboxState {
  kubernetesVersion: string;
  binDir?: string;
  network: NetworkPlan;
  nodes: SandboxNode[];
  processes: ProcessRecord[];
  /**
   * Machines made by `sandbox hosts`: no cluster until something (bosun apply) creates one over SSH. A node's
   * kubelet starts only from its files (config.yaml too), and its static pods run only once its kubelet started.
   */
  freshMachines?: boolean;
}

export async function readState(dir: string): Promise<SandboxState | undefined> {
  try {
    return JSON.parse(await fs.readFile(sandboxPaths(dir).state, 'utf8')) as SandboxState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`${sandboxPaths(dir).state}: unreadable sandbox state: ${(err as Error).message}`);
  }
}

export async function requireState(dir: string): Promise<SandboxState> {
  const state = await readState(dir);
  if (!state) throw new UserError(`no sandbox in ${path.resolve(dir)} (run "bosun sandbox up --dir ${dir}" first)`);
  return state;
}

/** Written atomically: a reader never sees half a state. */
export async function writeState(dir: string, state: SandboxState): Promise<void> {
  const file = sandboxPaths(dir).state;
  await writeJsonAtomic(file, state);
}

export async function writeJsonAtomic(file: string, value: unknown, mode = 0o644): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  await fs.rename(temp, file);
}

export function findNode(state: SandboxState, name: string): SandboxNode {
  const node = state.nodes.find((n) => n.name === name);
  if (!node) throw new UserError(`--node: the sandbox has no node "${name}"; nodes are: ${state.nodes.map((n) => n.name).join(', ')}`);
  return node;
}
