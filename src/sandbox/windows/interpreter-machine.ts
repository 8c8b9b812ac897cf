/**
 * What the sandbox's PowerShell reaches on its machine: the system drive (a directory named `C:` in the rootfs),
 * the services the sandbox plays, and the network namespace's listening sockets. Paths are mapped here, once.
 */
import path from 'node:path';
import { PowerShellError } from './interpreter-values.js';

export type ServiceStatus = 'Running' | 'Stopped' | 'StartPending';

/** The services a Windows machine of the sandbox runs (containerd, the kubelet): the node agent plays them. */
export interface ServiceDriver {
  /** Starts it; rejects with the reason when the service cannot start (its binary missing or not a Windows program). */
  start(service: string): Promise<void>;
  stop(service: string): Promise<void>;
  status(service: string): Promise<ServiceStatus>;
  /** The named pipes served now (`containerd-containerd` while containerd runs). */
  pipes(): Promise<string[]>;
}

export interface WindowsMachine {
  /** The machine's rootfs: its system drive is the directory `C:` in it. */
  rootfs: string;
  services: ServiceDriver;
  /** `/proc/net/tcp` and `tcp6` of the machine's network namespace (what listens there). */
  tcpTable(): Promise<string>;
}

/** The directory a session starts in (Windows OpenSSH: the user's profile). */
export const HOME = 'C:\\Users\\Administrator';
/** Where a program name is looked up (a fresh Windows Server's PATH). */
export const SEARCH_PATH = ['C:\\Windows\\system32', 'C:\\Windows', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0'];
/** The system drive's directory in a machine's rootfs. */
export const SYSTEM_DRIVE = 'C:';
const PIPE = /^\\\\\.\\pipe\\(.+)$/i;

/** A named pipe's name when `windowsPath` is one (`\\.\pipe\containerd-containerd`). */
export const pipeName = (windowsPath: string): string | undefined => PIPE.exec(windowsPath)?.[1];

/** A path as Windows resolves it from the session's directory: absolute, normalised, on drive C:. */
export function windowsPath(given: string, command: string): string {
  const resolved = path.win32.resolve(HOME, given.replaceAll('/', '\\'));
  const drive = /^([A-Za-z]):/.exec(resolved)?.[1];
  if (drive?.toUpperCase() !== 'C') {
    throw new PowerShellError(
      `Cannot find drive. A drive with the name '${drive ?? given}' does not exist.`,
      `DriveNotFound,Microsoft.PowerShell.Commands.${command}`,
      'ObjectNotFound',
    );
  }
  return `C:${resolved.slice(2)}`;
}

/** Where a Windows path (`C:\k\kubelet.exe`, `\etc\kubernetes`) is in the machine's rootfs. */
export function hostPath(machine: WindowsMachine, windows: string, command: string): string {
  const rest = windowsPath(windows, command).slice(2).split('\\').filter(Boolean);
  return path.join(machine.rootfs, SYSTEM_DRIVE, ...rest);
}

/** The Windows path of a file of the machine's rootfs under its system drive. */
export function toWindowsPath(machine: WindowsMachine, host: string): string {
  const rel = path.relative(path.join(machine.rootfs, SYSTEM_DRIVE), host);
  return `C:\\${rel.split(path.sep).join('\\')}`;
}
