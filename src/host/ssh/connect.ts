import { promises as fs } from 'node:fs';
import type { Duplex } from 'node:stream';
import ssh2, { type Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import { UserError } from '../../errors.js';
import { fingerprint, knownHostName, knownKeyTypes, keyTypeOf, verifyHostKey } from './known-hosts.js';
import { KnownHostsFile } from './known-hosts-file.js';
import type { Endpoint, SshOptions } from './settings.js';

/** A failure to reach or log in to a host: names the host, says why and what would fix it. */
export class SshConnectError extends UserError {
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(message);
    this.name = 'SshConnectError';
  }
}

const where = (ep: Endpoint) => `${ep.label} (${ep.user}@${ep.address}:${ep.port})`;

/** The host key algorithms offered, strongest first; SHA-1 `ssh-rsa` signatures are left out, as OpenSSH does. */
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'];

/** Algorithms for the key types on file come first, so the server presents a key the file can vouch for (as ssh does). */
function hostKeyAlgorithms(keyTypes: string[]): string[] {
  const known = keyTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256'] : [t])).filter((a) => HOST_KEY_ALGORITHMS.includes(a));
  return [...new Set([...known, ...HOST_KEY_ALGORITHMS])];
}

async function checkHostKey(ep: Endpoint, opts: SshOptions, key: Buffer): Promise<void> {
  const file = new KnownHostsFile(opts.knownHostsFile);
  const name = knownHostName(ep.address, ep.port);
  const verdict = verifyHostKey(await file.entries(), name, key);
  const presented = `${keyTypeOf(key)} key ${fingerprint(key)}`;
  switch (verdict.kind) {
    case 'known':
      return;
    case 'unknown':
      if (opts.acceptNewHostKeys) return file.record(name, key);
      throw new SshConnectError(
        ep.label,
        `${where(ep)}: unknown host key: ${name} presents ${presented}, which ${opts.knownHostsFile} does not hold; ` +
          `compare the fingerprint with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and add it, or pass --ssh-accept-new-host-keys`,
      );
    case 'revoked':
      throw new SshConnectError(ep.label, `${where(ep)}: host key ${presented} is marked @revoked in ${opts.knownHostsFile} line ${verdict.line}; refused`);
    case 'changed':
      throw new SshConnectError(
        ep.label,
        `${where(ep)}: HOST KEY CHANGED: ${name} presents ${presented}, but ${opts.knownHostsFile} line ${verdict.line} holds another ` +
          `${verdict.keyType} key for it; refused (someone may be intercepting the connection, or the host was reinstalled: check, then remove that line)`,
      );
  }
}

/** What a login presents: a private key (and its passphrase) or an agent socket. */
export type Credentials = Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent'>;

/** What is wrong with a key or agent, whichever host it was for (the caller names the host). */
export class CredentialsError extends Error {}

/** Key-file or agent authentication; the passphrase from its variable, else the prompt. */
export async function credentials(keyPath: string | undefined, passphraseEnv: string | undefined, opts: SshOptions): Promise<Credentials> {
  if (!keyPath) {
    const agent = opts.env.SSH_AUTH_SOCK;
    if (!agent) throw new CredentialsError('no keyPath and no ssh-agent (SSH_AUTH_SOCK is not set): nothing to log in with');
    return { agent };
  }
  let privateKey: Buffer;
  try {
    privateKey = await fs.readFile(keyPath);
  } catch (err) {
    throw new CredentialsError(`cannot read private key ${keyPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const plain = ssh2.utils.parseKey(privateKey);
  if (!(plain instanceof Error)) return { privateKey };
  if (!/passphrase|encrypted/i.test(plain.message)) throw new CredentialsError(`private key ${keyPath} cannot be read: ${plain.message}`);
  const passphrase = await keyPassphrase(keyPath, passphraseEnv, opts);
  if (ssh2.utils.parseKey(privateKey, passphrase) instanceof Error) throw new CredentialsError(`the passphrase for private key ${keyPath} is wrong`);
  return { privateKey, passphrase };
}

async function keyPassphrase(keyPath: string, passphraseEnv: string | undefined, opts: SshOptions): Promise<string> {
  const fromEnv = passphraseEnv ? opts.env[passphraseEnv] : undefined;
  if (fromEnv !== undefined) return fromEnv;
  if (opts.prompt) return opts.prompt(`Passphrase for ${keyPath}: `);
  const hint = passphraseEnv ? `set ${passphraseEnv}` : 'name a variable that holds it (passphraseEnv)';
  throw new CredentialsError(`private key ${keyPath} is encrypted and no passphrase is given: ${hint}, or run on a terminal`);
}

/** A credentials problem as an error of the host it kept from logging in. */
export function credentialsFailure(ep: Endpoint, err: unknown): Error {
  return err instanceof CredentialsError ? new SshConnectError(ep.label, `${where(ep)}: ${err.message}`) : (err as Error);
}

/** Why a connection attempt failed, in words an operator can act on. */
function connectFailure(ep: Endpoint, err: Error & { code?: string; level?: string }): SshConnectError {
  if (err.code === 'ECONNREFUSED') return new SshConnectError(ep.label, `${where(ep)}: connection refused: is sshd running and listening on port ${ep.port}?`);
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new SshConnectError(ep.label, `${where(ep)}: address ${ep.address} does not resolve`);
  if (err.level === 'client-authentication') {
    const how = ep.keyPath ? `key ${ep.keyPath}` : 'the ssh-agent keys';
    return new SshConnectError(ep.label, `${where(ep)}: user ${ep.user} was refused: the server accepted none of ${how}`);
  }
  if (err.level === 'client-timeout') return new SshConnectError(ep.label, `${where(ep)}: no SSH handshake within the timeout (host down or filtered?)`);
  return new SshConnectError(ep.label, `${where(ep)}: ${err.code ? `${err.code}: ` : ''}${err.message}`);
}

/** A logged-in client for `ep`, over `sock` when a bastion tunnels it. The host key is checked before anything is sent. */
export async function connectClient(ep: Endpoint, opts: SshOptions, auth: Credentials, sock?: Duplex): Promise<Client> {
  const entries = await new KnownHostsFile(opts.knownHostsFile).entries();
  const client = new ssh2.Client();
  let refusal: Error | undefined;
  return new Promise((resolve, reject) => {
    const failed = (err: Error) => {
      client.end();
      reject(refusal ?? connectFailure(ep, err));
    };
    // Stays attached: an error after 'ready' (before the connection's owner listens) must not go unhandled.
    client.on('error', failed);
    client.once('ready', () => resolve(client));
    client.connect({
      host: ep.address,
      port: ep.port,
      username: ep.user,
      sock: sock as ConnectConfig['sock'],
      ...auth,
      readyTimeout: opts.readyTimeoutMs ?? 20_000,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(entries, knownHostName(ep.address, ep.port))) as ServerHostKeyAlgorithm[] },
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        checkHostKey(ep, opts, key).then(
          () => verify(true),
          (err: Error) => {
            refusal = err;
            verify(false);
          },
        );
      },
    });
  });
}
