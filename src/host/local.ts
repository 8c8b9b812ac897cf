import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { makeDirectories, PARENT_DIR_MODE, symlinkAtomic, writeFileAtomic } from './atomic-write.js';
import { readBounded } from './bounded-read.js';
import { READ_CAPS, systemctlUnit, type ExecOptions, type ExecResult, type FileStat, type Host, type ReadCap, type ServiceControl } from './host.js';
import { resolveInRoot } from './rootfs.js';
import { driveLetter, parseWindowsPath, windowsPath } from './windows/paths.js';
import { windowsMachine, type WindowsMachine } from './windows/machine.js';
import { POWERSHELL, powershellArgs, scriptFailure, wrapScript, type PowerShellOptions } from './windows/powershell.js';

import { redact } from './ssh/quote.js';
import { windowsService } from './windows/scripts.js';
import { systemProblem, UserError } from '../errors.js';

/** The machine bosun runs on, as the local Host needs it: its platform and (on Windows) its system drive. */
export interface LocalSystem {
  platform: NodeJS.Platform;
  /** Windows' `SystemDrive` (`C:`). */
  systemDrive?: string;
}

const THIS_SYSTEM: LocalSystem = { platform: process.platform, systemDrive: process.env.SystemDrive };

/**
 * This machine, with every node path under `root` (`/` for the real node, a directory with `--rootfs`). Under a
 * directory, paths are looked up as a chroot would (rootfs.ts): a link in the node's files never leads out of it.
 * On Windows (`bosun join` typed on a Windows node) node paths in Linux form are on the system drive, as kubeadm and
 * the kubelet resolve them there, and services run through the same PowerShell scripts as the Windows SSH door's.
 */
export class LocalHost implements Host {
  readonly os: 'linux' | 'windows';
  readonly name = 'this machine';
  readonly offline: boolean;
  readonly root: string;
  /** The system drive's letter when this is a Windows node's own files, else undefined. */
  private readonly windowsDrive?: string;

  constructor(root = '/', system: LocalSystem = THIS_SYSTEM) {
    // An empty root would be the working directory while node paths stay absolute: this machine's own files.
    if (root.trim() === '') throw new Error('LocalHost: the root must be a directory, not empty');
    // `/` is the node's own files on every platform (resolved on Windows it would be the working directory's drive).
    this.root = root === '/' ? '/' : path.resolve(root);
    this.offline = this.root !== '/';
    this.windowsDrive = system.platform === 'win32' && !this.offline ? driveLetter(system.systemDrive) : undefined;
    this.os = this.windowsDrive ? 'windows' : 'linux';
  }

  /** Where `nodePath` is on this machine; `followLast` follows a link in its last name too. */
  private machinePath(nodePath: string, followLast: boolean): string {
    if (this.windowsDrive) return windowsPath(parseWindowsPath(nodePath, this.windowsDrive));
    return this.offline ? resolveInRoot(this.root, nodePath, followLast) : path.resolve('/', nodePath);
  }

  resolve(nodePath: string): string {
    return this.machinePath(nodePath, false);
  }

  /** The last name resolved too: what a read, a stat or a listing sees. */
  private followed(nodePath: string): string {
    return this.machinePath(nodePath, true);
  }

  async readFile(nodePath: string, cap: ReadCap = READ_CAPS.file): Promise<Buffer | undefined> {
    // Under a root every link was followed by the lookup; one appearing since is refused rather than followed out.
    return readBounded(this.followed(nodePath), cap, this.offline);
  }

  async writeFileAtomic(nodePath: string, data: string | Uint8Array, mode: number): Promise<void> {
    const file = this.resolve(nodePath);
    await writeFileAtomic(file, data, mode).catch(cannotWrite(file));
  }

  async symlink(target: string, nodePath: string): Promise<void> {
    const file = this.resolve(nodePath);
    await symlinkAtomic(target, file).catch(cannotWrite(file));
  }

  async mkdir(nodePath: string, mode = PARENT_DIR_MODE): Promise<void> {
    const dir = this.followed(nodePath);
    await makeDirectories(dir, mode).catch(cannotWrite(dir));
  }

  async stat(nodePath: string): Promise<FileStat | undefined> {
    try {
      const s = await fs.stat(this.followed(nodePath));
      return { mode: s.mode & 0o7777, size: s.size, isDirectory: s.isDirectory() };
    } catch (err) {
      // A file where a parent directory should be: nothing is at the path, as a chroot's lookup says too.
      if (isNotFound(err) || (err as NodeJS.ErrnoException)?.code === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  async readdir(nodePath: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.followed(nodePath))).sort();
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  async remove(nodePath: string): Promise<void> {
    await fs.rm(this.resolve(nodePath), { recursive: true, force: true });
  }

  async rename(fromNodePath: string, toNodePath: string): Promise<void> {
    const to = this.resolve(toNodePath);
    await fs.rename(this.resolve(fromNodePath), to).catch(cannotWrite(to));
  }

  async freeSpace(nodePath: string): Promise<number | undefined> {
    for (let dir = this.followed(nodePath); ; dir = path.dirname(dir)) {
      try {
        const fsStats = await fs.statfs(dir);
        return fsStats.bavail * fsStats.bsize;
      } catch (err) {
        if (!isNotFound(err) || dir === path.dirname(dir)) return undefined;
      }
    }
  }

  exec(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: 'pipe' });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        const result = { stdout, stderr, code: code ?? 1 };
        if (result.code !== 0 && opts.check !== false) {
          reject(new Error(`${cmd} ${args.join(' ')} exited ${result.code}: ${stderr.trim()}`));
        } else resolve(result);
      });
      // A command that exits without reading its input closes the pipe; that is its answer, not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input ?? '');
    });
  }

  /** Runs a PowerShell body (wrapped and encoded as the Windows SSH door sends it) on this Windows machine. */
  async powershell(body: string, opts: PowerShellOptions = {}): Promise<ExecResult> {
    const result = await this.exec(POWERSHELL, powershellArgs(wrapScript(body)), { check: false, timeoutMs: opts.timeoutMs });
    const failure = opts.check === false ? undefined : scriptFailure(this.name, opts.shown ?? redact(body.split('\n')[0], opts.secrets), result, opts.secrets);
    if (failure) throw failure;
    return result;
  }

  /** This Windows machine's facts, as a Windows SSH host's are read. */
  windowsMachine(): Promise<WindowsMachine> {
    return windowsMachine(this);
  }

  service(name: string): ServiceControl {
    if (this.windowsDrive) return windowsService(name, (body) => this.powershell(body));
    return systemctlUnit(async (...verb) => {
      if (this.offline) return;
      await this.exec('systemctl', [...verb, name]);
    });
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/**
 * The failure of a write to `file` as the error the operator acts on: the file bosun was making and why the system
 * refused (`a part of the path is not a directory`, `permission denied`, a full disk), not a bug's report.
 */
function cannotWrite(file: string): (err: unknown) => never {
  return (err) => {
    const problem = systemProblem(err);
    if (problem === undefined) throw err;
    const what = `cannot write: ${problem} (${(err as NodeJS.ErrnoException).code})`;
    throw new UserError({ what, where: { file }, message: `${file}: ${what}`, cause: err });
  };
}
