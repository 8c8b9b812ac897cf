import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashHostName } from '../../src/host/ssh/known-hosts.js';
import { SshPool } from '../../src/host/ssh/pool.js';
import type { SshHostSettings, SshOptions } from '../../src/host/ssh/settings.js';
import { type KeyPair, keygen, Sshd, TestUser } from '../support/sshd.js';
import { tempDir } from '../support/temp.js';

/** What ssh-keygen prints for a public key file: the fingerprint users compare. */
const keygenFingerprint = (pub: string) => execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1];

/** Reaching hosts: host keys, keys, passphrases, sudo, a bastion, and the check of every host before any change. */
describe('SSH access against real sshds', () => {
  let dir: string;
  let key: KeyPair;
  let sshd: Sshd;
  let bastion: Sshd;
  const users: TestUser[] = [];
  const pools: SshPool[] = [];

  const knownHosts = (...lines: string[]) => {
    const file = path.join(dir, `known_hosts.${pools.length}`);
    writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
    return file;
  };
  const entry = (server: Sshd, name = `[127.0.0.1]:${server.port}`) => `${name} ${server.hostKey.publicLine}`;
  const poolOf = (opts: Partial<SshOptions> & { knownHostsFile: string }) => {
    const pool = new SshPool({ env: {}, ...opts });
    pools.push(pool);
    return pool;
  };
  const node = (over: Partial<SshHostSettings> = {}): SshHostSettings => ({
    name: 'node-a',
    address: '127.0.0.1',
    port: sshd.port,
    keyPath: key.privatePath,
    ...over,
  });

  beforeAll(async () => {
    dir = tempDir('bosun-ssh-access-');
    key = keygen(path.join(dir, 'id_ed25519'));
    sshd = await Sshd.start({ root: [key.publicLine] });
    bastion = await Sshd.start({ root: [key.publicLine] });
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    for (const user of users) user.remove();
    await sshd?.dispose();
    await bastion?.dispose();
  });

  it('refuses an unknown host key with its SHA256 fingerprint, as ssh-keygen shows it', async () => {
    const file = knownHosts();
    const fp = keygenFingerprint(`${sshd.hostKey.privatePath}.pub`);
    await expect(poolOf({ knownHostsFile: file }).host(node()).exec('true', [])).rejects.toThrow(
      `node-a (root@127.0.0.1:${sshd.port}): unknown host key: [127.0.0.1]:${sshd.port} presents ssh-ed25519 key ${fp}, which ${file} does not hold`,
    );
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('records an unknown key with accept-new, and then knows it without', async () => {
    const file = knownHosts('# kept as it was');
    await poolOf({ knownHostsFile: file, acceptNewHostKeys: true }).host(node()).exec('true', []);
    expect(readFileSync(file, 'utf8')).toBe(`# kept as it was\n[127.0.0.1]:${sshd.port} ${sshd.hostKey.publicLine.split(' ').slice(0, 2).join(' ')}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    await poolOf({ knownHostsFile: file }).host(node()).exec('true', []);
  });

  it('always refuses a changed host key, naming the file and line, even with accept-new', async () => {
    const other = keygen(path.join(dir, 'other_host_key'));
    const file = knownHosts('# first line', `[127.0.0.1]:${sshd.port} ${other.publicLine}`);
    await expect(poolOf({ knownHostsFile: file, acceptNewHostKeys: true }).host(node()).exec('true', [])).rejects.toThrow(
      `HOST KEY CHANGED: [127.0.0.1]:${sshd.port} presents ssh-ed25519 key ${keygenFingerprint(`${sshd.hostKey.privatePath}.pub`)}, but ${file} line 2 holds another ssh-ed25519 key`,
    );
  });

  it('matches hashed known_hosts entries', async () => {
    const file = knownHosts(`${hashHostName(`[127.0.0.1]:${sshd.port}`)} ${sshd.hostKey.publicLine}`);
    execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', file]);
    expect((await poolOf({ knownHostsFile: file }).host(node()).exec('echo', ['ok'])).stdout).toBe('ok\n');
  });

  it('names a host whose sshd is down, and one whose key is refused', async () => {
    const down = await Sshd.start({});
    await down.dispose();
    const wrong = keygen(path.join(dir, 'wrong_key'));
    const file = knownHosts(entry(sshd));
    await expect(
      poolOf({ knownHostsFile: file })
        .host(node({ port: down.port }))
        .exec('true', []),
    ).rejects.toThrow(`node-a (root@127.0.0.1:${down.port}): connection refused: is sshd running and listening on port ${down.port}?`);
    await expect(
      poolOf({ knownHostsFile: file })
        .host(node({ keyPath: wrong.privatePath }))
        .exec('true', []),
    ).rejects.toThrow(`node-a (root@127.0.0.1:${sshd.port}): user root was refused: the server accepted none of key ${wrong.privatePath}`);
  });

  it('reads an encrypted key with its passphrase from the named variable or the prompt', async () => {
    const locked = keygen(path.join(dir, 'locked_key'), 'correct horse');
    sshd.authorize('root', [key.publicLine, locked.publicLine]);
    const file = knownHosts(entry(sshd));
    const settings = node({ keyPath: locked.privatePath, passphraseEnv: 'NODE_KEY_PASSPHRASE' });
    await poolOf({ knownHostsFile: file, env: { NODE_KEY_PASSPHRASE: 'correct horse' } })
      .host(settings)
      .exec('true', []);
    const asked: string[] = [];
    const prompt = async (question: string) => (asked.push(question), 'correct horse');
    // Two hosts with the same key, and a reconnect: one question.
    const prompted = poolOf({ knownHostsFile: file, prompt });
    await prompted.connectAll([settings, { ...settings, name: 'node-a2' }]);
    sshd.dropConnections();
    await prompted.host(settings).readFile('/etc/hostname');
    expect(prompted.dials()).toEqual({ [`root@127.0.0.1:${sshd.port}`]: 2 });
    expect(asked).toEqual([`Passphrase for ${locked.privatePath}: `]);
    await expect(poolOf({ knownHostsFile: file }).host(settings).exec('true', [])).rejects.toThrow(
      `private key ${locked.privatePath} is encrypted and no passphrase is given: set NODE_KEY_PASSPHRASE, or run on a terminal`,
    );
    await expect(
      poolOf({ knownHostsFile: file, env: { NODE_KEY_PASSPHRASE: 'wrong' } })
        .host(settings)
        .exec('true', []),
    ).rejects.toThrow(`the passphrase for private key ${locked.privatePath} is wrong`);
  });

  it('logs in with the keys of an ssh-agent', async () => {
    const socket = path.join(dir, 'agent.sock');
    const agent = execFileSync('ssh-agent', ['-a', socket], { encoding: 'utf8' });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent)![1]);
    try {
      execFileSync('ssh-add', [key.privatePath], { env: { SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const pool = poolOf({ knownHostsFile: knownHosts(entry(sshd)), env: { SSH_AUTH_SOCK: socket } });
      expect((await pool.host(node({ keyPath: undefined })).exec('echo', ['agent'])).stdout).toBe('agent\n');
    } finally {
      process.kill(pid);
    }
  });

  it('works as a user with passwordless sudo: commands and files as root', async () => {
    const user = new TestUser('nopasswd');
    users.push(user);
    sshd.authorize(user.name, [key.publicLine]);
    const pool = poolOf({ knownHostsFile: knownHosts(entry(sshd)) });
    const [host] = await pool.connectAll([node({ user: user.name })]);
    expect((await host.exec('id', ['-u'])).stdout).toBe('0\n');
    const file = path.join(dir, 'root-only/secret.key');
    await host.mkdir(path.dirname(file), 0o700);
    await host.writeFileAtomic(file, 'key', 0o600);
    expect(statSync(file)).toMatchObject({ uid: 0, gid: 0 });
    expect(statSync(file).mode & 0o7777).toBe(0o600);
    expect((await host.readFile(file))?.toString()).toBe('key');
  });

  it('refuses a user whose sudo wants a password, naming the host', async () => {
    const user = new TestUser('password');
    users.push(user);
    sshd.authorize(user.name, [key.publicLine]);
    const pool = poolOf({ knownHostsFile: knownHosts(entry(sshd)) });
    const refusal = /node-b: sudo -n refused \(sudo: a password is required\): bosun works as root, so a non-root login needs passwordless sudo \(NOPASSWD\)/;
    await expect(pool.connectAll([node({ name: 'node-b', user: user.name })])).rejects.toThrow(refusal);
    // File operations run sftp-server through sudo: the same words when they come first.
    await expect(pool.host(node({ name: 'node-b', user: user.name })).readFile('/etc/hostname')).rejects.toThrow(refusal);
  });

  it('hops through a bastion, checking its host key too', async () => {
    const viaBastion = node({ bastion: { address: '127.0.0.1', port: bastion.port, keyPath: key.privatePath } });
    await expect(
      poolOf({ knownHostsFile: knownHosts(entry(sshd)) })
        .host(viaBastion)
        .exec('true', []),
    ).rejects.toThrow(`bastion 127.0.0.1 of node-a (root@127.0.0.1:${bastion.port}): unknown host key`);
    const pool = poolOf({ knownHostsFile: knownHosts(entry(sshd), entry(bastion)) });
    expect((await pool.host(viaBastion).exec('echo', ['through'])).stdout).toBe('through\n');
    expect(bastion.log()).toContain(`server_request_direct_tcpip: originator 127.0.0.1 port 0, target 127.0.0.1 port ${sshd.port}`);
    expect(pool.dials()).toEqual({ [`root@127.0.0.1:${bastion.port}`]: 1, [`root@127.0.0.1:${bastion.port}>root@127.0.0.1:${sshd.port}`]: 1 });
  });

  it('checks every host before anything changes, naming each one that fails', async () => {
    const down = await Sshd.start({});
    await down.dispose();
    const pool = poolOf({ knownHostsFile: knownHosts(entry(sshd)) });
    const hosts = [node(), node({ name: 'node-down', port: down.port }), node({ name: 'node-unknown', port: bastion.port })];
    const error = (await pool.connectAll(hosts, 2).catch((err: Error) => err)) as Error;
    expect(error.message).toMatch(/^cannot reach 2 of 3 hosts; nothing was changed:\n/);
    expect(error.message).toContain(`node-down (root@127.0.0.1:${down.port}): connection refused`);
    expect(error.message).toContain(`node-unknown (root@127.0.0.1:${bastion.port}): unknown host key`);
    expect(error.message).not.toContain('node-a ');
  });
});
