/**
 * A small fake of a Windows node for unit tests of the Windows steps: its files are a directory (Windows-form node
 * paths map onto the system drive, as the Windows door's do), its PowerShell answers the node state script from a
 * few flags and applies the change scripts bosun sends to them. Every change (a write, a directory, a move, a script
 * that changes something, a service verb) is recorded, as a RecordingHost records it.
 */
import type { ExecOptions, ExecResult, FileStat, ReadCap, ServiceControl } from '../../src/host/host.js';
import { LocalHost } from '../../src/host/local.js';
import type { WindowsMachine } from '../../src/host/windows/machine.js';
import type { PowerShellHost } from '../../src/node/windows-powershell.js';
import { kubeletFirewallRuleScript, nodeStateScript, pkiLinkScript, type WindowsNodeState } from '../../src/node/windows-scripts.js';
import { tempDir } from './temp.js';

/** `C:\k\kubelet.exe` → `/k/kubelet.exe`; a Linux-form path is already one of the system drive. */
const drivePath = (nodePath: string): string => (/^[A-Za-z]:/.test(nodePath) ? nodePath.slice(2).replaceAll('\\', '/') || '/' : nodePath);

export interface FakeWindowsOptions {
  containerd?: Partial<Pick<WindowsNodeState, 'containerdService' | 'containerdRunning' | 'containerdPipe'>>;
  build?: number;
  memoryMiB?: number;
  admin?: boolean;
}

export class FakeWindowsHost implements PowerShellHost {
  readonly os = 'windows' as const;
  readonly offline = false;
  readonly changes: string[] = [];
  readonly scripts: string[] = [];
  readonly state: WindowsNodeState;
  /** The kubelet service's command line, once registered. */
  serviceCommandLine?: string;
  private readonly disk: LocalHost;

  constructor(private readonly options: FakeWindowsOptions = {}) {
    this.disk = new LocalHost(tempDir('bosun-windows-'));
    this.state = { containerdService: true, containerdRunning: true, containerdPipe: true, kubeletService: false, firewallRule: false, ...options.containerd };
  }

  get root(): string {
    return this.disk.root;
  }
  resolve(nodePath: string): string {
    return this.disk.resolve(drivePath(nodePath));
  }
  readFile(nodePath: string, cap?: ReadCap): Promise<Buffer | undefined> {
    return this.disk.readFile(drivePath(nodePath), cap);
  }
  async writeFileAtomic(nodePath: string, data: string | Uint8Array, mode: number): Promise<void> {
    this.changes.push(`write ${nodePath}`);
    await this.disk.writeFileAtomic(drivePath(nodePath), data, mode);
  }
  async mkdir(nodePath: string, mode?: number): Promise<void> {
    this.changes.push(`mkdir ${nodePath}`);
    await this.disk.mkdir(drivePath(nodePath), mode);
  }
  stat(nodePath: string): Promise<FileStat | undefined> {
    return this.disk.stat(drivePath(nodePath));
  }
  readdir(nodePath: string): Promise<string[]> {
    return this.disk.readdir(drivePath(nodePath));
  }
  async remove(nodePath: string): Promise<void> {
    this.changes.push(`remove ${nodePath}`);
    await this.disk.remove(drivePath(nodePath));
  }
  async rename(fromNodePath: string, toNodePath: string): Promise<void> {
    this.changes.push(`rename ${fromNodePath} ${toNodePath}`);
    await this.disk.rename(drivePath(fromNodePath), drivePath(toNodePath));
  }
  freeSpace(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }
  async exec(cmd: string, args: string[], _opts?: ExecOptions): Promise<ExecResult> {
    throw new Error(`the fake Windows host runs PowerShell only, not ${[cmd, ...args].join(' ')}`);
  }
  service(name: string): ServiceControl {
    const record = (verb: string) => async () => void this.changes.push(`service ${verb} ${name}`);
    return { start: record('start'), stop: record('stop'), restart: record('restart'), enable: record('enable'), disable: record('disable') };
  }

  async powershell(body: string): Promise<ExecResult> {
    this.scripts.push(body);
    const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', code: 0 });
    if (body === nodeStateScript()) return ok(JSON.stringify(this.state));
    this.changes.push(`powershell ${body.split(' ')[0]}`);
    if (body === pkiLinkScript()) {
      // The fake has no links: the link's path becomes a directory, which is what the next look sees.
      await this.disk.mkdir('/var/lib/kubelet/etc/kubernetes/pki');
      return ok();
    }
    if (body === kubeletFirewallRuleScript()) {
      this.state.firewallRule = true;
      return ok();
    }
    const service = /^New-Service -Name 'kubelet' -BinaryPathName '([^']*)'/.exec(body);
    if (service) {
      this.state.kubeletService = true;
      this.serviceCommandLine = service[1];
      return ok();
    }
    throw new Error(`the fake Windows host does not know this script:\n${body}`);
  }

  async windowsMachine(): Promise<WindowsMachine> {
    const { build = 20348, memoryMiB = 8192, admin = true } = this.options;
    return {
      build,
      caption: `Microsoft Windows Server (build ${build})`,
      portState: async () => 'free',
      swapDevices: async () => [],
      isRoot: () => admin,
      hasExecutable: async () => true,
      hostname: () => 'WIN-1',
      cpuCount: () => 2,
      memoryMiB: () => memoryMiB,
      readProcFile: async () => undefined,
    };
  }
}
