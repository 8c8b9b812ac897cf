/**
 * The services of the sandbox's Windows machines, as their Service Control Manager runs them: containerd, which
 * runs only when its binary on the machine's disk is a real Windows program (and serves its named pipe while it
 * runs), and the kubelet, which the node agent's kubelet stand-in plays. What each service is registered as, and
 * whether the SCM runs it, is the machine's registry file (scm.ts); at the agent's start (the machine's boot),
 * Automatic services start.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { WINDOWS_CRI_SOCKET } from '../../kube/windows-paths.js';
import type { Serving } from '../node-units.js';
import type { NodeServices } from '../systemctl.js';
import { isWindowsExecutable } from '../windows-binaries.js';
import type { ServiceDriver, ServiceStatus } from './interpreter-machine.js';
import { findService, readServices, updateService } from './scm.js';

/** Where containerd's Windows installers put its binary, under the system drive. */
const CONTAINERD_BINARIES = ['/k/containerd.exe', '/Program Files/containerd/containerd.exe'];
/** The named pipe containerd serves its CRI on. */
export const CONTAINERD_PIPE = 'containerd-containerd';

const KUBELET_STATUS: Record<string, ServiceStatus> = { active: 'Running', activating: 'StartPending', inactive: 'Stopped' };

export class WindowsServices {
  /** Each node's running containerd: its binary, as a path under the system drive. */
  private readonly containerd = new Map<string, string>();
  private readonly booted = new Set<string>();

  constructor(
    /** A node's system drive (`<rootfs>/C:`) and its rootfs. */
    private readonly rootfs: (node: string) => string,
    private readonly kubelets: NodeServices,
    private readonly log: (line: string) => void,
    /** Called after containerd started or stopped (the kubelet notices its runtime). */
    private readonly changed: (node: string) => void,
  ) {}

  private drive(node: string): string {
    return path.join(this.rootfs(node), 'C:');
  }

  /** The machine's boot, once per agent: its Automatic services start (one that cannot start stays stopped). */
  async boot(node: string): Promise<void> {
    if (this.booted.has(node)) return;
    this.booted.add(node);
    for (const [name, service] of Object.entries(await readServices(this.rootfs(node)))) {
      if (service.startType !== 'Automatic' && !service.running) continue;
      await this.driver(node)
        .start(name)
        .catch((err: Error) => this.log(`node ${node}: service ${name} did not start at boot: ${err.message}`));
    }
  }

  /** Whether the SCM runs the node's kubelet service (registered, and started). */
  async kubeletWanted(node: string): Promise<boolean> {
    return Boolean(findService(await readServices(this.rootfs(node)), 'kubelet')?.[1].running);
  }

  /** The runtime behind a Windows kubelet's CRI endpoint: containerd on its named pipe, while it runs. */
  serving(node: string, endpoint: string): Serving {
    if (endpoint !== WINDOWS_CRI_SOCKET) return { problem: `the sandbox's Windows machines serve CRI on ${WINDOWS_CRI_SOCKET}, not ${endpoint}` };
    const binary = this.containerd.get(node);
    if (!binary)
      return {
        problem: `validate CRI v1 runtime API for endpoint "${endpoint}": open \\\\.\\pipe\\${CONTAINERD_PIPE}: The system cannot find the file specified.`,
      };
    return { runtime: 'containerd', binary };
  }

  /** The service driver a node's PowerShell starts and stops services through. */
  driver(node: string): ServiceDriver {
    const rootfs = this.rootfs(node);
    const mark = (name: string, running: boolean) => updateService(rootfs, name, (s) => ({ ...s, running }));
    return {
      start: async (name) => {
        if (name === 'containerd') {
          const binary = await this.containerdBinary(node);
          if (!binary) throw new Error(`neither C:\\k\\containerd.exe nor C:\\Program Files\\containerd\\containerd.exe is a Windows program`);
          await mark(name, true);
          if (this.containerd.get(node) === binary) return;
          this.containerd.set(node, binary);
          this.log(`node ${node}: containerd started (${binary})`);
          this.changed(node);
        } else if (name === 'kubelet') {
          await mark(name, true);
          await this.kubelets.start(node);
        } else throw new Error(`the sandbox runs no program for service ${name} (only containerd and kubelet)`);
      },
      stop: async (name) => {
        if (name !== 'containerd' && name !== 'kubelet') return;
        await mark(name, false);
        if (name === 'kubelet') return this.kubelets.stop(node);
        if (this.containerd.delete(node)) {
          this.log(`node ${node}: containerd stopped`);
          this.changed(node);
        }
      },
      status: async (name) => {
        if (name === 'containerd') return this.containerd.has(node) ? 'Running' : 'Stopped';
        if (name === 'kubelet') return KUBELET_STATUS[this.kubelets.state(node).state];
        return 'Stopped';
      },
      pipes: async () => (this.containerd.has(node) ? [CONTAINERD_PIPE] : []),
    };
  }

  private async containerdBinary(node: string): Promise<string | undefined> {
    for (const binary of CONTAINERD_BINARIES) {
      const file = path.join(this.drive(node), binary);
      if ((await fs.stat(file).catch(() => undefined))?.isFile() && (await isWindowsExecutable(file))) return binary;
    }
    return undefined;
  }
}
