import type { SFTPWrapper } from 'ssh2';
import { UserError } from '../../errors.js';
import { READ_CAPS, type ExecOptions, type ExecResult, type FileStat, type ReadCap } from '../host.js';
import type { SshConnection } from './connection.js';
import { CommandTimeout, ConnectionLost, OutputTooLarge, runCommand } from './run-command.js';
import { type FileRules, freeSpace, mkdirP, POSIX_FILES, readdir, readFile, removeTree, stat, type ServerExtensions, writeFileAtomic } from './sftp-files.js';
import { serverExtensions } from './sftp-session.js';
import type { Endpoint } from './settings.js';

const DEFAULT_READ_LIMIT = 256 * 1024 * 1024;

/**
 * What every node reached over SSH shares, whatever its OS: the host's one connection, its files over SFTP at the
 * paths `resolve` gives, and command lines on exec channels, each retried once when the connection had dropped.
 */
export abstract class SshDoor {
  readonly root = '/';
  readonly offline = false;

  constructor(
    readonly name: string,
    readonly target: Endpoint,
    readonly connection: SshConnection,
    protected readonly readLimit = DEFAULT_READ_LIMIT,
  ) {}

  /** The SFTP path of a node path. */
  abstract resolve(nodePath: string): string;

  /** How this server's files are renamed over and whether they keep modes. */
  protected fileRules: FileRules = POSIX_FILES;

  /** The error for a failed file operation; a refusal that already names the host and file (a FileReadError) stays as it is. */
  protected fileFailure(what: string, err: unknown): Error {
    if (err instanceof UserError) return err;
    return new Error(`${this.name}: ${what}: ${(err as Error).message}`, { cause: err });
  }

  /** Runs `op` on the host's SFTP session; when the connection dropped under it, reconnects and runs it once more. */
  protected async files<T>(what: string, op: (sftp: SFTPWrapper, ext: ServerExtensions) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connection.client();
      try {
        const sftp = await this.connection.sftp();
        return await op(sftp, serverExtensions(sftp));
      } catch (err) {
        if (attempt === 1 && (await this.connection.droppedSince(client))) continue;
        throw this.fileFailure(what, err);
      }
    }
  }

  readFile(nodePath: string, cap: ReadCap = READ_CAPS.file): Promise<Buffer | undefined> {
    const p = this.resolve(nodePath);
    return this.files(`reading ${p}`, (sftp) => readFile(sftp, p, cap, this.name));
  }

  writeFileAtomic(nodePath: string, data: string | Uint8Array, mode: number): Promise<void> {
    const p = this.resolve(nodePath);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return this.files(`writing ${p}`, (sftp, ext) => writeFileAtomic(sftp, p, bytes, mode, ext, this.fileRules));
  }

  mkdir(nodePath: string, mode = 0o755): Promise<void> {
    const p = this.resolve(nodePath);
    return this.files(`creating directory ${p}`, (sftp) => mkdirP(sftp, p, mode, this.fileRules.modes));
  }

  stat(nodePath: string): Promise<FileStat | undefined> {
    const p = this.resolve(nodePath);
    return this.files(`stat ${p}`, (sftp) => stat(sftp, p));
  }

  readdir(nodePath: string): Promise<string[]> {
    const p = this.resolve(nodePath);
    return this.files(`listing ${p}`, (sftp) => readdir(sftp, p));
  }

  /** Whether an SFTP path is a filesystem's root, which remove refuses. */
  protected abstract isRoot(p: string): boolean;

  remove(nodePath: string): Promise<void> {
    const p = this.resolve(nodePath);
    if (this.isRoot(p)) throw new Error(`${this.name}: refusing to remove ${p}`);
    return this.files(`removing ${p}`, (sftp) => removeTree(sftp, p));
  }

  rename(fromNodePath: string, toNodePath: string): Promise<void> {
    const [from, to] = [this.resolve(fromNodePath), this.resolve(toNodePath)];
    return this.files(`moving ${from} to ${to}`, (sftp, ext) => this.fileRules.renameOver(sftp, from, to, ext));
  }

  freeSpace(nodePath: string): Promise<number | undefined> {
    const p = this.resolve(nodePath);
    return this.files(`free space at ${p}`, (sftp, ext) => freeSpace(sftp, p, ext));
  }

  /** Runs a command line; one the node never received because the connection had dropped is sent again on a new one. */
  protected async run(line: string, shown: string, opts: Pick<ExecOptions, 'input' | 'timeoutMs'>): Promise<ExecResult> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connection.client();
      try {
        return await runCommand(client, line, { input: opts.input, timeoutMs: opts.timeoutMs, outputLimit: this.readLimit });
      } catch (err) {
        if (err instanceof ConnectionLost && !err.started && attempt === 1 && (await this.connection.droppedSince(client))) continue;
        if (err instanceof CommandTimeout || err instanceof ConnectionLost || err instanceof OutputTooLarge)
          throw new Error(`${this.name}: ${shown}: ${err.message}`, { cause: err });
        throw err;
      }
    }
  }
}
