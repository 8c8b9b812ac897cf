import path from 'node:path/posix';
import type { SFTPWrapper } from 'ssh2';
import { UserError } from '../../errors.js';
import { READ_CAPS, systemctlUnit, type ExecOptions, type ExecResult, type FileStat, type Host, type ReadCap, type ServiceControl } from '../host.js';
import type { SshConnection } from './connection.js';
import { redact, shCommand } from './quote.js';
import { CommandTimeout, ConnectionLost, OutputTooLarge, runCommand, withTimeout } from './run-command.js';
import { freeSpace, mkdirP, readdir, readFile, removeTree, renameOver, stat, type ServerExtensions, writeFileAtomic } from './sftp-files.js';
import { serverExtensions } from './sftp-session.js';
import type { Endpoint } from './settings.js';

const DEFAULT_READ_LIMIT = 256 * 1024 * 1024;

/** sudo's words when `-n` keeps it from asking for a password (or it has no rule for the user). */
const SUDO_REFUSED = /sudo: (a password is required|a terminal is required|.* is not in the sudoers file|.* not allowed to)[^\n]*/;

/** sudo would have asked for a password: bosun needs passwordless sudo for a non-root login. */
export class SudoPasswordRequired extends UserError {
  constructor(
    readonly host: string,
    detail: string,
  ) {
    super(`${host}: sudo -n refused (${detail.trim()}): bosun works as root, so a non-root login needs passwordless sudo (NOPASSWD) on the host`);
    this.name = 'SudoPasswordRequired';
  }
}

/**
 * A Linux node over SSH: files through SFTP (as root: the login itself, or `sudo -n sftp-server` for another user),
 * commands on exec channels (through `sudo -n` for a non-root user), services through systemctl. Every
 * operation shares the host's one connection.
 */
export class SshHost implements Host {
  readonly os = 'linux' as const;
  readonly root = '/';
  readonly offline = false;

  constructor(
    readonly name: string,
    readonly target: Endpoint,
    readonly connection: SshConnection,
    private readonly readLimit = DEFAULT_READ_LIMIT,
  ) {}

  /** Whether commands and files go through sudo. */
  get sudo(): boolean {
    return this.target.user !== 'root';
  }

  resolve(nodePath: string): string {
    return path.resolve('/', nodePath);
  }

  /** Runs `op` on the host's SFTP session; when the connection dropped under it, reconnects and runs it once more. */
  private async files<T>(what: string, op: (sftp: SFTPWrapper, ext: ServerExtensions) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connection.client();
      try {
        const sftp = await this.connection.sftp();
        return await op(sftp, serverExtensions(sftp));
      } catch (err) {
        if (attempt === 1 && (await this.connection.droppedSince(client))) continue;
        // A refusal that already names the host and file (a FileReadError) is the user's to read as it is.
        if (err instanceof UserError) throw err;
        const sudo = SUDO_REFUSED.exec((err as Error).message);
        if (this.sudo && sudo) throw new SudoPasswordRequired(this.name, sudo[0]);
        throw new Error(`${this.name}: ${what}: ${(err as Error).message}`, { cause: err });
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
    return this.files(`writing ${p}`, (sftp, ext) => writeFileAtomic(sftp, p, bytes, mode, ext));
  }

  mkdir(nodePath: string, mode = 0o755): Promise<void> {
    const p = this.resolve(nodePath);
    return this.files(`creating directory ${p}`, (sftp) => mkdirP(sftp, p, mode));
  }

  stat(nodePath: string): Promise<FileStat | undefined> {
    const p = this.resolve(nodePath);
    return this.files(`stat ${p}`, (sftp) => stat(sftp, p));
  }

  readdir(nodePath: string): Promise<string[]> {
    const p = this.resolve(nodePath);
    return this.files(`listing ${p}`, (sftp) => readdir(sftp, p));
  }

  remove(nodePath: string): Promise<void> {
    const p = this.resolve(nodePath);
    if (p === '/') throw new Error(`${this.name}: refusing to remove /`);
    return this.files(`removing ${p}`, (sftp) => removeTree(sftp, p));
  }

  rename(fromNodePath: string, toNodePath: string): Promise<void> {
    const [from, to] = [this.resolve(fromNodePath), this.resolve(toNodePath)];
    return this.files(`moving ${from} to ${to}`, (sftp, ext) => renameOver(sftp, from, to, ext));
  }

  freeSpace(nodePath: string): Promise<number | undefined> {
    const p = this.resolve(nodePath);
    return this.files(`free space at ${p}`, (sftp, ext) => freeSpace(sftp, p, ext));
  }

  /** The command line sent: `[sudo -n --] [env K=V…] [timeout …] cmd args…`, every word quoted for sh. */
  commandLine(cmd: string, args: readonly string[], opts: Pick<ExecOptions, 'env' | 'timeoutMs'> = {}): string {
    const assignments = Object.entries(opts.env ?? {}).map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`${this.name}: environment variable name ${JSON.stringify(k)} is not valid`);
      return `${k}=${v}`;
    });
    const words = [...(assignments.length ? ['env', ...assignments] : []), ...withTimeout([cmd, ...args], opts.timeoutMs)];
    return (this.sudo ? 'sudo -n -- ' : '') + shCommand(words[0], words.slice(1));
  }

  async exec(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const line = this.commandLine(cmd, args, opts);
    const shown = redact(shCommand(cmd, args), opts.secrets);
    const result = await this.run(line, shown, opts);
    if (this.sudo && result.code === 1 && SUDO_REFUSED.test(result.stderr)) throw new SudoPasswordRequired(this.name, SUDO_REFUSED.exec(result.stderr)![0]);
    if (result.code !== 0 && opts.check !== false) {
      throw new Error(`${this.name}: ${shown} exited ${result.code}: ${redact(result.stderr.trim(), opts.secrets)}`);
    }
    return result;
  }

  /** Runs a command line; one the node never received because the connection had dropped is sent again on a new one. */
  private async run(line: string, shown: string, opts: ExecOptions): Promise<ExecResult> {
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

  /** Fails with a clear error unless commands and files work as root: the login itself, or through passwordless sudo. */
  async verify(): Promise<void> {
    const { stdout } = await this.exec('id', ['-u']);
    if (stdout.trim() !== '0') throw new UserError(`${this.name}: commands run as uid ${stdout.trim()}, not root`);
    await this.files('opening the SFTP session', async () => undefined);
  }

  service(name: string): ServiceControl {
    return systemctlUnit((...verb) => this.exec('systemctl', [...verb, name]).then(() => undefined));
  }

  /** A shell snippet run as root: for facts gathered in one round trip. */
  shell(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec('sh', ['-c', script], opts);
  }
}
