/** The node door: every file, process and service side effect of bosun goes through a Host. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  input?: string;
  env?: Record<string, string>;
  /** Reject with the command's stderr when the exit code is non-zero (default true). */
  check?: boolean;
  /** Stop the command (SIGKILL) and reject when it runs longer than this. */
  timeoutMs?: number;
  /** Values in the arguments, env or output (a token, a key) that errors and logs show as `***`. */
  secrets?: readonly string[];
}

export interface ServiceControl {
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export interface FileStat {
  mode: number;
  size: number;
  isDirectory: boolean;
}

export interface Host {
  readonly os: 'linux' | 'windows';
  /** Where node paths live on this machine: `/` on a real node, the `--rootfs` directory otherwise. */
  readonly root: string;
  /** True when node services cannot be managed from here (a rendered rootfs, a dry run). */
  readonly offline: boolean;
  /** Maps a node path (`/etc/kubernetes/admin.conf`) to where it is on this machine. */
  resolve(nodePath: string): string;
  readFile(nodePath: string): Promise<Buffer | undefined>;
  /** Temp file in the same directory, fsync, rename; parent directories are created (0755 unless given). */
  writeFileAtomic(nodePath: string, data: string | Uint8Array, mode: number): Promise<void>;
  mkdir(nodePath: string, mode?: number): Promise<void>;
  stat(nodePath: string): Promise<FileStat | undefined>;
  readdir(nodePath: string): Promise<string[]>;
  remove(nodePath: string): Promise<void>;
  /** Bytes free for new files on the filesystem holding `nodePath` (or its nearest existing parent); undefined if unknown. */
  freeSpace(nodePath: string): Promise<number | undefined>;
  exec(cmd: string, args: string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Points `nodePath` at `target`, a path of the machine bosun runs on, replacing what was there at once. Only a
   * Host whose node files live on this machine can (a local one); others copy instead.
   */
  symlink?(target: string, nodePath: string): Promise<void>;
  service(name: string): ServiceControl;
}

export async function exists(host: Host, nodePath: string): Promise<boolean> {
  return (await host.stat(nodePath)) !== undefined;
}

export async function readText(host: Host, nodePath: string): Promise<string | undefined> {
  return (await host.readFile(nodePath))?.toString('utf8');
}
