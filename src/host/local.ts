import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { ExecOptions, ExecResult, FileStat, Host, ServiceControl } from './host.js';

/** This machine, with every node path under `root` (`/` for the real node, a directory with `--rootfs`). */
export class LocalHost implements Host {
  readonly os = 'linux' as const;
  readonly offline: boolean;

  constructor(readonly root: string = '/') {
    this.offline = path.resolve(root) !== '/';
  }

  resolve(nodePath: string): string {
    return path.join(this.root, path.resolve('/', nodePath));
  }

  async readFile(nodePath: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.resolve(nodePath));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async writeFileAtomic(nodePath: string, data: string | Uint8Array, mode: number): Promise<void> {
    const target = this.resolve(nodePath);
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await fs.open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
    try {
      await handle.writeFile(data);
      // open() applies the umask; the mode must be exact (0600 for secrets).
      await handle.chmod(mode);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    await fs.rename(temp, target);
  }

  async symlink(target: string, nodePath: string): Promise<void> {
    const link = this.resolve(nodePath);
    await fs.mkdir(path.dirname(link), { recursive: true, mode: 0o755 });
    const temp = `${link}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.symlink(target, temp);
    // rename() replaces the old link or file in one step: a reader sees the old binary or the new one.
    await fs.rename(temp, link);
  }

  async mkdir(nodePath: string, mode = 0o755): Promise<void> {
    await fs.mkdir(this.resolve(nodePath), { recursive: true, mode });
  }

  async stat(nodePath: string): Promise<FileStat | undefined> {
    try {
      const s = await fs.stat(this.resolve(nodePath));
      return { mode: s.mode & 0o7777, size: s.size, isDirectory: s.isDirectory() };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async readdir(nodePath: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.resolve(nodePath))).sort();
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  async remove(nodePath: string): Promise<void> {
    await fs.rm(this.resolve(nodePath), { recursive: true, force: true });
  }

  async freeSpace(nodePath: string): Promise<number | undefined> {
    for (let dir = this.resolve(nodePath); ; dir = path.dirname(dir)) {
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

  service(name: string): ServiceControl {
    const systemctl = async (verb: string) => {
      if (this.offline) return;
      await this.exec('systemctl', [verb, name]);
    };
    return { start: () => systemctl('start'), stop: () => systemctl('stop'), restart: () => systemctl('restart') };
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}
