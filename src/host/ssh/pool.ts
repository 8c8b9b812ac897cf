import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import pLimit from 'p-limit';
import { UserError } from '../../errors.js';
import { connectClient, type Credentials, credentials, credentialsFailure, SshConnectError } from './connect.js';
import { SshConnection } from './connection.js';
import { type Endpoint, endpoint, endpointKey, type SshHostSettings, type SshOptions } from './settings.js';
import { SshHost } from './ssh-host.js';
import { WindowsSshHost } from '../windows/windows-host.js';

/** The door of a host reached over SSH: Linux or Windows. */
export type SshNodeHost = SshHost | WindowsSshHost;

/** The login a Windows host gets when the file names none: its built-in administrator, as root is Linux's. */
const WINDOWS_DEFAULT_USER = 'Administrator';

/** A TCP stream to `address:port` opened by the bastion (OpenSSH's ProxyJump: a direct-tcpip channel). */
function forward(bastion: Client, target: Endpoint): Promise<Duplex> {
  return new Promise((resolve, reject) =>
    bastion.forwardOut('127.0.0.1', 0, target.address, target.port, (err, stream) =>
      err
        ? reject(new SshConnectError(target.label, `${target.label}: the bastion could not reach ${target.address}:${target.port}: ${err.message}`))
        : resolve(stream),
    ),
  );
}

/**
 * The run's SSH connections: one per host (and one per bastion, shared by the hosts behind it), whatever the
 * number of steps or `--parallel` workers using them. `close()` ends them all.
 */
export class SshPool {
  private readonly connections = new Map<string, SshConnection>();
  private readonly hosts = new Map<string, SshNodeHost>();
  private readonly keys = new Map<string, Promise<Credentials>>();

  constructor(readonly opts: SshOptions) {}

  /**
   * The host's Host door (the Windows one for `os: windows`); the same object (and connection) for every caller.
   * Connecting waits for first use. Host keys are checked alike for both.
   */
  host(settings: SshHostSettings & { os?: 'linux' }): SshHost;
  host(settings: SshHostSettings): SshNodeHost;
  host(settings: SshHostSettings): SshNodeHost {
    const known = this.hosts.get(settings.name);
    if (known) return known;
    const windows = settings.os === 'windows';
    const target = endpoint({ ...settings, user: settings.user ?? (windows ? WINDOWS_DEFAULT_USER : undefined) }, settings.name);
    const bastion = settings.bastion && endpoint(settings.bastion, `bastion ${settings.bastion.address} of ${settings.name}`);
    // A Windows login works as itself (an administrator): no sudo for its SFTP session.
    const connection = this.connection(target, bastion, !windows && target.user !== 'root');
    const host = windows
      ? new WindowsSshHost(settings.name, target, connection, this.opts.readLimitBytes)
      : new SshHost(settings.name, target, connection, this.opts.readLimitBytes);
    this.hosts.set(settings.name, host);
    return host;
  }

  private connection(target: Endpoint, bastion?: Endpoint, sudo = false): SshConnection {
    const key = bastion ? `${endpointKey(bastion)}>${endpointKey(target)}` : endpointKey(target);
    let conn = this.connections.get(key);
    if (!conn) {
      const jump = bastion && this.connection(bastion, undefined, bastion.user !== 'root');
      const dial = async () => {
        const auth = await this.credentials(target).catch((err: unknown) => {
          throw credentialsFailure(target, err);
        });
        return connectClient(target, this.opts, auth, jump && (await forward(await jump.client(), target)));
      };
      conn = new SshConnection(dial, sudo);
      this.connections.set(key, conn);
    }
    return conn;
  }

  /**
   * Credentials by key file (or agent socket), asked for once per run: hosts sharing a key get one passphrase
   * prompt, and a reconnect asks nothing. A failure is not kept, so a later attempt can ask again.
   */
  private credentials(ep: Endpoint): Promise<Credentials> {
    const key = `${ep.keyPath ?? 'agent'}\0${ep.passphraseEnv ?? ''}`;
    let known = this.keys.get(key);
    if (!known) {
      known = credentials(ep.keyPath, ep.passphraseEnv, this.opts);
      this.keys.set(key, known);
      known.catch(() => this.keys.delete(key));
    }
    return known;
  }

  /**
   * Reaches every host before anything changes: host key, login, root (through sudo for a non-root user; an administrator
   * on Windows) and SFTP, at most
   * `parallel` at once. One error names every host that failed and why.
   */
  async connectAll(settings: readonly SshHostSettings[], parallel = 8): Promise<SshNodeHost[]> {
    const limit = pLimit(Math.max(1, parallel));
    const hosts = settings.map((s) => this.host(s));
    const failures = (
      await Promise.all(
        hosts.map((host) =>
          limit(async () => {
            try {
              await host.verify();
              return undefined;
            } catch (err) {
              return err as Error;
            }
          }),
        ),
      )
    ).filter((err): err is Error => err !== undefined);
    if (failures.length) {
      const lines = failures.map((err) => `  ${err.message}`);
      throw new UserError(`cannot reach ${failures.length} of ${hosts.length} hosts; nothing was changed:\n${lines.join('\n')}`);
    }
    return hosts;
  }

  /** How many times each connection was dialled, by `user@address:port`: 1 each for a run without drops. */
  dials(): Record<string, number> {
    return Object.fromEntries([...this.connections].map(([key, conn]) => [key, conn.dials]));
  }

  /** Ends every connection, the hosts' before the bastions' they run through. */
  async close(): Promise<void> {
    const all = [...this.connections.entries()];
    await Promise.all(all.filter(([key]) => key.includes('>')).map(([, conn]) => conn.close()));
    await Promise.all(all.filter(([key]) => !key.includes('>')).map(([, conn]) => conn.close()));
  }
}
