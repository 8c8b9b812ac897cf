/**
 * A small Windows Host for unit tests: a Windows machine's files under a directory, its system drive as the
 * directory `C:` (as the sandbox lays them out), node paths taken in Windows form (`C:\k\kubelet.exe`) and Linux
 * form (`/etc/kubernetes/kubelet.conf`, meaning the system drive), services as a list of what was asked of them.
 * No PowerShell runs: a step that needs a command fails here.
 */
import type { ExecResult, FileStat, Host, ReadCap, ServiceControl } from '../../src/host/host.js';
import { LocalHost } from '../../src/host/local.js';
import { tempDir } from './temp.js';

/** `C:\k\kubelet.exe` and `/etc/kubernetes/x` as paths under the rootfs: `/C:/k/kubelet.exe`, `/C:/etc/kubernetes/x`. */
export function driveRelative(nodePath: string): string {
  const drive = /^([A-Za-z]):[\\/]?(.*)$/.exec(nodePath);
  if (drive) return `/${drive[1].toUpperCase()}:/${drive[2].replaceAll('\\', '/')}`;
  return `/C:${nodePath}`;
}

export class WindowsRootfsHost implements Host {
  readonly os = 'windows' as const;
  readonly offline = false;
  private readonly files: LocalHost;
  /** `stop kubelet`, `start kubelet`, in order. */
  readonly services: string[] = [];

  constructor(readonly root = tempDir('bosun-windows-node-')) {
    this.files = new LocalHost(root);
  }

  resolve = (nodePath: string) => this.files.resolve(driveRelative(nodePath));
  readFile = (nodePath: string, cap?: ReadCap) => this.files.readFile(driveRelative(nodePath), cap);
  writeFileAtomic = (nodePath: string, data: string | Uint8Array, mode: number) => this.files.writeFileAtomic(driveRelative(nodePath), data, mode);
  mkdir = (nodePath: string, mode?: number) => this.files.mkdir(driveRelative(nodePath), mode);
  stat = (nodePath: string): Promise<FileStat | undefined> => this.files.stat(driveRelative(nodePath));
  readdir = (nodePath: string) => this.files.readdir(driveRelative(nodePath));
  remove = (nodePath: string) => this.files.remove(driveRelative(nodePath));
  rename = (from: string, to: string) => this.files.rename(driveRelative(from), driveRelative(to));
  freeSpace = (nodePath: string) => this.files.freeSpace(driveRelative(nodePath));

  exec(cmd: string): Promise<ExecResult> {
    throw new Error(`WindowsRootfsHost runs no commands (asked for ${cmd})`);
  }

  service(name: string): ServiceControl {
    const record = (verb: string) => async () => void this.services.push(`${verb} ${name}`);
    return { start: record('start'), stop: record('stop'), restart: record('restart'), enable: record('enable'), disable: record('disable') };
  }
}
