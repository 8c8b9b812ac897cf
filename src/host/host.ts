/** The node door: every file, process and service side effect of bosun goes through a Host. */
import { UserError } from '../errors.js';

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
  /** Started now and at every boot (`systemctl enable --now`). */
  enable(): Promise<void>;
  /** Stopped now and not started at boot (`systemctl disable --now`). */
  disable(): Promise<void>;
}

/** A unit's verbs as `systemctl` runs them, however the Host runs commands (this machine, a node over SSH). */
export function systemctlUnit(systemctl: (...verb: string[]) => Promise<void>): ServiceControl {
  return {
    start: () => systemctl('start'),
    stop: () => systemctl('stop'),
    restart: () => systemctl('restart'),
    enable: () => systemctl('enable', '--now'),
    disable: () => systemctl('disable', '--now'),
  };
}

export interface FileStat {
  mode: number;
  size: number;
  isDirectory: boolean;
}

/** How much of a file of one kind bosun reads: a larger file is refused, naming it, before it is read. */
export interface ReadCap {
  /** The kind of file, for the error (`a ${what} may have at most … bytes`). */
  readonly what: string;
  readonly maxBytes: number;
}

const MiB = 1024 * 1024;

/**
 * The caps per kind of file. Text files bosun reads are kilobytes; the caps leave room for the largest real ones
 * (a CA bundle of hundreds of certificates, a manifest with large inline flags) while an endless file (a device,
 * a file growing under the read) stops at a few MiB. A kubelet binary is about 80 MiB today.
 */
export const READ_CAPS = {
  /** A `--config` file, an inventory: the YAML reader's own limit. */
  config: { what: 'config file', maxBytes: 4 * MiB },
  kubeconfig: { what: 'kubeconfig', maxBytes: 4 * MiB },
  pki: { what: 'certificate or key file', maxBytes: 4 * MiB },
  manifest: { what: 'static Pod manifest', maxBytes: 4 * MiB },
  /** Any other file (kubelet flags, a journal, a manifest's backup): the default of `readFile`. */
  file: { what: 'file', maxBytes: 16 * MiB },
  binary: { what: 'binary', maxBytes: 512 * MiB },
  /** A file of a data directory copied as a backup (etcd's: its database may grow to the 8 GiB quota). */
  data: { what: 'data file', maxBytes: 8 * 1024 * MiB },
} as const satisfies Record<string, ReadCap>;

/** A file bosun will not read: not a regular file, or larger than the cap of its kind. Names the file. */
export class FileReadError extends UserError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'FileReadError';
  }

  static tooLarge(file: string, size: number | undefined, cap: ReadCap): FileReadError {
    const found = size === undefined ? `the file has more than ${cap.maxBytes} bytes` : `the file is ${size} bytes`;
    return new FileReadError(file, `${found}; a ${cap.what} may have at most ${cap.maxBytes} bytes`);
  }

  static notRegular(file: string, found: string, cap: ReadCap): FileReadError {
    return new FileReadError(file, `found ${found}; expected a regular file (a ${cap.what})`);
  }
}

export interface Host {
  readonly os: 'linux' | 'windows';
  /** Where node paths live on this machine: `/` on a real node, the `--rootfs` directory otherwise. */
  readonly root: string;
  /** True when node services cannot be managed from here (a rendered rootfs, a dry run). */
  readonly offline: boolean;
  /**
   * Maps a node path (`/etc/kubernetes/admin.conf`) to where it is on this machine. Under a root other than `/`,
   * links in the parent directories are followed as a chroot would (never out of the root); the last name is kept.
   */
  resolve(nodePath: string): string;
  /**
   * A regular file's bytes, undefined when it does not exist. Anything else (a directory, a FIFO, a device, a
   * socket) and a file over `cap` (default READ_CAPS.file) is a FileReadError naming the file, and is not read.
   */
  readFile(nodePath: string, cap?: ReadCap): Promise<Buffer | undefined>;
  /**
   * Writes a dot-file beside the target (`.<name>.<random>.tmp`: the kubelet ignores dot-files in its manifests
   * directory), fsyncs it, renames it over the target and fsyncs the directory; the temp file is removed on every
   * failure. Missing parent directories are created 0755.
   */
  writeFileAtomic(nodePath: string, data: string | Uint8Array, mode: number): Promise<void>;
  /** Creates the directory with `mode` (default 0755) and any missing parent 0755; an existing one is left as it is. */
  mkdir(nodePath: string, mode?: number): Promise<void>;
  stat(nodePath: string): Promise<FileStat | undefined>;
  readdir(nodePath: string): Promise<string[]>;
  remove(nodePath: string): Promise<void>;
  /**
   * Moves a file to another path of the node, replacing what was there in one step where the door can (a reader sees
   * the old target or the moved file). A binary in use on Windows can be moved but not overwritten: this is how one is
   * swapped. A missing `from` is an error naming it.
   */
  rename(fromNodePath: string, toNodePath: string): Promise<void>;
  /** Bytes free for new files on the filesystem holding `nodePath` (or its nearest existing parent); undefined if unknown. */
  freeSpace(nodePath: string): Promise<number | undefined>;
  exec(cmd: string, args: string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * Points `nodePath` at `target`, a path of the machine bosun runs on, replacing what was there at once. Only a
   * Host whose node files live on this machine can (a local one); others copy instead. Made and renamed as
   * writeFileAtomic does. `target` is not resolved under the root: on the node it is read from the node's `/`.
   */
  symlink?(target: string, nodePath: string): Promise<void>;
  service(name: string): ServiceControl;
}

export async function exists(host: Host, nodePath: string): Promise<boolean> {
  return (await host.stat(nodePath)) !== undefined;
}

export async function readText(host: Host, nodePath: string, cap?: ReadCap): Promise<string | undefined> {
  return (await host.readFile(nodePath, cap))?.toString('utf8');
}
