import type { SFTPWrapper } from 'ssh2';
import { UserError } from '../../errors.js';
import type { ExecOptions, ExecResult, Host, ServiceControl } from '../host.js';
import { redact } from '../ssh/quote.js';
import { isNoSuchFile, plainRename, renameOver, type FileRules, type ServerExtensions } from '../ssh/sftp-files.js';
import { SshDoor } from '../ssh/ssh-door.js';
import { parseWindowsPath, sftpPath, windowsPath } from './paths.js';
import { execBody, powershellCommandLine, scriptFailure, wrapScript, type PowerShellOptions } from './powershell.js';
import { windowsMachine, type WindowsMachine } from './machine.js';
import { ADMINISTRATOR_SCRIPT, moveOverScript, windowsService } from './scripts.js';

/**
 * A Windows node over SSH (Windows' own OpenSSH server), logged in as an administrator: files through SFTP at
 * `/C:/…` paths, commands as PowerShell (powershell.ts), services through the service cmdlets. Node paths are taken
 * in Windows form (`C:\k\kubelet.exe`) and in Linux form (`/etc/kubernetes/kubelet.conf`, on the system drive), so
 * code naming bosun's Linux paths works here unchanged.
 *
 * Files keep no POSIX modes here: Windows guards files with ACLs, and Windows OpenSSH maps a mode to the read-only
 * attribute at most (a 0444 file could then not be replaced), so modes are not sent. A file inherits its folder's
 * ACL, as the files kubeadm and the kubelet write on Windows do.
 */
export class WindowsSshHost extends SshDoor implements Host {
  readonly os = 'windows' as const;

  /** The node path on its drive; a path Windows cannot take is refused naming the host. */
  private drivePath(nodePath: string) {
    try {
      return parseWindowsPath(nodePath);
    } catch (err) {
      if (err instanceof UserError) throw new UserError({ what: err.message, where: { host: this.name } });
      throw err;
    }
  }

  resolve(nodePath: string): string {
    return sftpPath(this.drivePath(nodePath));
  }

  /** `C:\etc\kubernetes\kubelet.conf`: a node path as PowerShell and Windows programs take it. */
  windowsPath(nodePath: string): string {
    return windowsPath(this.drivePath(nodePath));
  }

  protected isRoot(p: string): boolean {
    return /^\/[A-Z]:\/$/.test(p);
  }

  protected override fileRules: FileRules = { modes: false, renameOver: (sftp, from, to, ext) => this.moveOver(sftp, from, to, ext) };

  /**
   * Renames over an existing file: with posix-rename where the server offers it (Windows OpenSSH's replaces the target,
   * PowerShell/Win32-OpenSSH#467), else SFTP's rename, which refuses an existing target: then Move-Item -Force does it.
   */
  private async moveOver(sftp: SFTPWrapper, from: string, to: string, ext: ServerExtensions): Promise<void> {
    if ('posix-rename@openssh.com' in ext) return renameOver(sftp, from, to, ext);
    try {
      await plainRename(sftp, from, to);
    } catch (err) {
      if (isNoSuchFile(err)) throw err;
      await this.powershell(moveOverScript(this.windowsPath(from), this.windowsPath(to)));
    }
  }

  /**
   * Runs a PowerShell body (wrapped, encoded: powershell.ts) as the login; an error record becomes the error thrown.
   * A deadline (`timeoutMs`) is kept by the client, which closes the channel a little after it: Windows has no
   * `timeout` program to stop the command on the node as the Linux door's line does.
   */
  async powershell(body: string, opts: PowerShellOptions = {}): Promise<ExecResult> {
    const shown = opts.shown ?? redact(body.split('\n')[0], opts.secrets);
    const result = await this.run(powershellCommandLine(wrapScript(body)), shown, opts);
    const failure = opts.check === false ? undefined : scriptFailure(this.name, shown, result, opts.secrets);
    if (failure) throw failure;
    return result;
  }

  /** `& 'cmd' 'arg'…; exit $LASTEXITCODE` as PowerShell. No input: a script's stdin does not reach the program it runs. */
  async exec(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const shown = redact([cmd, ...args].join(' '), opts.secrets);
    if (opts.input !== undefined) throw new Error(`${this.name}: ${shown}: bosun sends no input to a command on a Windows host`);
    let body: string;
    try {
      body = execBody(cmd, args, opts.env);
    } catch (err) {
      // The refusal names the program and what is wrong with an argument, never the argument's value.
      throw new Error(`${this.name}: ${shown}: ${(err as Error).message}`, { cause: err });
    }
    return this.powershell(body, { ...opts, shown });
  }

  /** Fails with a clear error unless the login is an administrator and SFTP works. */
  async verify(): Promise<void> {
    const { stdout } = await this.powershell(ADMINISTRATOR_SCRIPT, { shown: 'the administrator check' });
    if (stdout.trim() !== 'True') {
      throw new UserError(
        `${this.name}: the login ${this.target.user} is not an administrator of the Windows host (or not elevated): bosun installs services and files in C:\\ as one`,
      );
    }
    await this.files('opening the SFTP session', async () => undefined);
  }

  service(name: string): ServiceControl {
    return windowsService(name, (body) => this.powershell(body));
  }

  windowsMachine(): Promise<WindowsMachine> {
    return windowsMachine(this);
  }
}
