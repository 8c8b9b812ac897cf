import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors.js';

/** Where and as whom to log in: one machine, a target or a bastion. */
export interface SshEndpoint {
  address: string;
  /** Default 22. */
  port?: number;
  /** Default root (Administrator on a Windows host); anyone else on Linux works through `sudo -n`. */
  user?: string;
  /** A private key file; without one, the ssh-agent at `SSH_AUTH_SOCK`. */
  keyPath?: string;
  /** The environment variable holding the key's passphrase, when it has one. */
  passphraseEnv?: string;
}

/** One host of an inventory: the node's name (for messages) and how to reach it, optionally through a bastion. */
export interface SshHostSettings extends SshEndpoint {
  name: string;
  /** A Windows host is reached through the Windows door (PowerShell, `/C:/` SFTP paths) as an administrator. Default linux. */
  os?: 'linux' | 'windows';
  /** A jump host, as OpenSSH's ProxyJump: the connection to the host is tunnelled through this one. */
  bastion?: SshEndpoint;
}

/** What every connection of a run shares. */
export interface SshOptions {
  /** The OpenSSH known_hosts file host keys are checked against (`defaultKnownHostsFile`). */
  knownHostsFile: string;
  /** Record the key of a host not yet in the file instead of refusing it (`--ssh-accept-new-host-keys`). */
  acceptNewHostKeys?: boolean;
  /** The process environment, passed in: `SSH_AUTH_SOCK` and the passphrase variables are read from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Asks for a key's passphrase (on a TTY) when no variable holds it; without it such a key is an error. */
  prompt?: (question: string) => Promise<string>;
  /** Keepalive interval; three unanswered ones drop the connection (default 15 s). */
  keepaliveIntervalMs?: number;
  /** How long the TCP connect, key exchange and authentication may take (default 20 s). */
  readyTimeoutMs?: number;
  /** The most a command may print (default 256 MiB); files are read under the cap of their kind (READ_CAPS). */
  readLimitBytes?: number;
}

/** An endpoint with its defaults filled in. */
export interface Endpoint {
  address: string;
  port: number;
  user: string;
  keyPath?: string;
  passphraseEnv?: string;
  /** How messages name it: the node name for a target, `bastion ADDRESS of NODE` for a jump host. */
  label: string;
}

export function endpoint(ep: SshEndpoint, label: string): Endpoint {
  const port = ep.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`${label}: ssh port ${port} is not a TCP port (1-65535)`);
  return { address: ep.address, port, user: ep.user ?? 'root', keyPath: ep.keyPath, passphraseEnv: ep.passphraseEnv, label };
}

/** `user@address:port`: one connection per distinct key, shared by every host that reaches it. */
export function endpointKey(ep: Endpoint): string {
  return `${ep.user}@${ep.address}:${ep.port}`;
}

/** `~/.ssh/known_hosts` of the user bosun runs as. */
export function defaultKnownHostsFile(env: Readonly<Record<string, string | undefined>>): string {
  return path.join(env.HOME || os.homedir(), '.ssh', 'known_hosts');
}
