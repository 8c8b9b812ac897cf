import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A key pair made by ssh-keygen: the private key file and the public key's blob. */
export interface KeyPair {
  privatePath: string;
  publicLine: string;
  blob: Buffer;
}

export function keygen(file: string, passphrase = ''): KeyPair {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'bosun-test', '-f', file]);
  const publicLine = readFileSync(`${file}.pub`, 'utf8').trim();
  return { privatePath: file, publicLine, blob: Buffer.from(publicLine.split(' ')[1], 'base64') };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * A real OpenSSH server (Debian's /usr/sbin/sshd) on 127.0.0.1 and a high port, with its own host key, config,
 * pid file and log in a throwaway directory; key-only logins; `internal-sftp`. Stopped by its pid.
 */
export class Sshd {
  readonly hostKey: KeyPair;
  private child?: ChildProcess;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly chroot?: string,
  ) {
    this.hostKey = keygen(path.join(dir, 'ssh_host_ed25519_key'));
  }

  /**
   * With `chroot`, every session is chrooted there (as the sandbox's machines are): SFTP's `/` is that directory.
   * sshd takes only a directory whose every component is root-owned and writable by no one else (not one under /tmp).
   */
  static async start(authorizedKeys: Record<string, string[]>, opts: { chroot?: string } = {}): Promise<Sshd> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-sshd-'));
    // Non-root logins read their authorized_keys as themselves (and sudo runs from their login): the directory is 0755.
    chmodSync(dir, 0o755);
    const sshd = new Sshd(dir, await freePort(), opts.chroot);
    mkdirSync(path.join(dir, 'keys'), { mode: 0o755 });
    for (const [user, keys] of Object.entries(authorizedKeys)) sshd.authorize(user, keys);
    await sshd.run();
    return sshd;
  }

  /** Sets the keys `user` may log in with. */
  authorize(user: string, keys: string[]): void {
    writeFileSync(path.join(this.dir, 'keys', user), keys.map((k) => `${k}\n`).join(''), { mode: 0o644 });
  }

  get logFile(): string {
    return path.join(this.dir, 'sshd.log');
  }

  private config(): string {
    return [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${this.hostKey.privatePath}`,
      `PidFile ${path.join(this.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(this.dir, 'keys', '%u')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      // The test's users exist only for the test: no PAM session or account stack to configure.
      'UsePAM no',
      // The key files live in the test's temp directory, not in a home directory StrictModes would check.
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      ...(this.chroot ? [`ChrootDirectory ${this.chroot}`] : []),
      // DEBUG1 logs each direct-tcpip request, which shows a bastion hop happened.
      'LogLevel DEBUG1',
      '',
    ].join('\n');
  }

  /** Starts (or restarts) the server and waits until it accepts connections. */
  async run(): Promise<void> {
    const config = path.join(this.dir, 'sshd_config');
    writeFileSync(config, this.config());
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    this.child = spawn('/usr/sbin/sshd', ['-D', '-f', config, '-E', this.logFile], { stdio: 'ignore' });
    const exited = new Promise<never>((_, reject) => this.child!.once('exit', (code) => reject(new Error(`sshd exited ${code}: ${this.log()}`))));
    const up = (async () => {
      while (!(await accepting(this.port))) await new Promise((r) => setTimeout(r, 50));
    })();
    await Promise.race([up, exited]);
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Logins the server accepted so far: one per connection. */
  logins(user = 'root'): number {
    return this.log()
      .split('\n')
      .filter((l) => l.includes(`Accepted publickey for ${user} `)).length;
  }

  /** Stops the server: its connections first, then the listener. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    this.dropConnections();
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
  }

  /** Pids of the processes serving this server's connections: the listener's children and theirs. */
  private sessionPids(): number[] {
    const children = (pid: number): number[] => {
      let out = '';
      try {
        out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim();
      } catch {
        // ps exits 1 when there are none
      }
      const pids = out ? out.split(/\s+/).map(Number) : [];
      return pids.flatMap((child) => [child, ...children(child)]);
    };
    return this.child?.pid ? children(this.child.pid) : [];
  }

  private signalSessions(signal: NodeJS.Signals): number[] {
    const pids = this.sessionPids();
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    return pids;
  }

  /** Ends every connection this server serves, as a dropped network would; the listener keeps running. */
  dropConnections(): number {
    return this.signalSessions('SIGTERM').length;
  }

  /** Stops (SIGSTOP) every connection's processes: a peer that answers nothing, as a hung host or a cut cable. */
  freezeConnections(): number[] {
    return this.signalSessions('SIGSTOP');
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A throwaway login user: `sudo` says whether it may run anything as root without a password. */
export class TestUser {
  readonly name = `bosunt${randomBytes(3).toString('hex')}`;
  private readonly sudoers = `/etc/sudoers.d/${this.name}`;

  constructor(sudo: 'nopasswd' | 'password') {
    if (!existsSync('/usr/bin/sudo')) throw new Error('sudo is not installed (Debian package sudo; .ci/run installs it): the non-root SSH tests need it');
    // '*' (not '!'): no password login, but not a locked account, which sshd would refuse.
    execFileSync('useradd', ['-m', '-p', '*', '-s', '/bin/sh', this.name]);
    mkdirSync('/etc/sudoers.d', { recursive: true, mode: 0o755 });
    writeFileSync(this.sudoers, `${this.name} ALL=(ALL) ${sudo === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL\n`, { mode: 0o440 });
  }

  remove(): void {
    rmSync(this.sudoers, { force: true });
    execFileSync('userdel', ['-r', '-f', this.name], { stdio: 'ignore' });
  }
}
