import path from 'node:path/posix';
import { UserError } from '../../errors.js';
import { systemctlUnit, type ExecOptions, type ExecResult, type Host, type ServiceControl } from '../host.js';
import { redact, shCommand } from './quote.js';
import { withTimeout } from './run-command.js';
import { SshDoor } from './ssh-door.js';

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
export class SshHost extends SshDoor implements Host {
  readonly os = 'linux' as const;

  /** Whether commands and files go through sudo. */
  get sudo(): boolean {
    return this.target.user !== 'root';
  }

  resolve(nodePath: string): string {
    return path.resolve('/', nodePath);
  }

  protected isRoot(p: string): boolean {
    return p === '/';
  }

  protected override fileFailure(what: string, err: unknown): Error {
    const sudo = err instanceof UserError ? null : SUDO_REFUSED.exec((err as Error).message);
    if (this.sudo && sudo) return new SudoPasswordRequired(this.name, sudo[0]);
    return super.fileFailure(what, err);
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
