import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localMachine } from '../../src/host/machine.js';
import { SshPool } from '../../src/host/ssh/pool.js';
import { sshMachine } from '../../src/host/ssh/ssh-machine.js';
import type { SshHost } from '../../src/host/ssh/ssh-host.js';
import { keygen, Sshd } from '../support/sshd.js';
import { tempDir } from '../support/temp.js';

/** Every Host method of SshHost against a real OpenSSH server on this machine: what lands on disk is checked here directly. */
describe('SshHost against a real sshd', () => {
  let sshd: Sshd;
  let pool: SshPool;
  let host: SshHost;
  let work: string;
  let settings: { name: string; address: string; port: number; keyPath: string };

  beforeAll(async () => {
    const dir = tempDir('bosun-ssh-');
    const key = keygen(path.join(dir, 'id_ed25519'));
    sshd = await Sshd.start({ root: [key.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${sshd.hostKey.publicLine}\n`);
    pool = new SshPool({ knownHostsFile: knownHosts, env: {} });
    settings = { name: 'node-a', address: '127.0.0.1', port: sshd.port, keyPath: key.privatePath };
    host = pool.host(settings);
    work = path.join(dir, 'node');
  });

  afterAll(async () => {
    await pool?.close();
    await sshd?.dispose();
  });

  it('writes a file atomically with its exact mode, creating parents 0755, and replaces an existing one by rename', async () => {
    const file = path.join(work, 'etc/kubernetes/pki/ca.key');
    await host.writeFileAtomic(file, 'first\n', 0o600);
    expect(readFileSync(file, 'utf8')).toBe('first\n');
    expect(statSync(file).mode & 0o7777).toBe(0o600);
    expect(statSync(file).uid).toBe(0);
    expect(statSync(path.dirname(file)).mode & 0o7777).toBe(0o755);
    const before = statSync(file).ino;
    await host.writeFileAtomic(file, Buffer.alloc(3 * 1024 * 1024, 7), 0o644);
    expect(statSync(file).ino).not.toBe(before);
    expect(statSync(file).mode & 0o7777).toBe(0o644);
    expect(readFileSync(file).equals(Buffer.alloc(3 * 1024 * 1024, 7))).toBe(true);
    expect((await host.readFile(file))?.equals(Buffer.alloc(3 * 1024 * 1024, 7))).toBe(true);
    expect(readdirSync(path.dirname(file))).toEqual(['ca.key']);
  });

  it('removes its temp file when the rename fails', async () => {
    const target = path.join(work, 'blocked/target');
    await host.mkdir(path.join(target, 'inside'));
    await expect(host.writeFileAtomic(target, 'x', 0o644)).rejects.toThrow(`node-a: writing ${target}`);
    expect(readdirSync(path.dirname(target))).toEqual(['target']);
  });

  it('reads files back (absent: undefined), refusing directories and files over the size limit', async () => {
    const file = path.join(work, 'read/config.yaml');
    await host.writeFileAtomic(file, 'kind: KubeletConfiguration\n', 0o644);
    expect((await host.readFile(file))?.toString()).toBe('kind: KubeletConfiguration\n');
    expect(await host.readFile(path.join(work, 'read/absent'))).toBeUndefined();
    await expect(host.readFile(path.join(work, 'read'))).rejects.toThrow('is not a regular file');
    const small = new SshPool({ ...pool.opts, readLimitBytes: 10 });
    try {
      await expect(small.host(settings).readFile(file)).rejects.toThrow(`${file} is 27 bytes, more than the 10 bytes bosun reads`);
      await expect(small.host(settings).exec('head', ['-c', '100000', '/dev/zero'])).rejects.toThrow(
        'node-a: head -c 100000 /dev/zero: printed more than the 10 bytes bosun reads and was cut off',
      );
      expect((await small.host(settings).exec('echo', ['short'])).stdout).toBe('short\n');
    } finally {
      await small.close();
    }
  });

  it('stats, lists, makes directories with an exact leaf mode, and removes trees', async () => {
    const dir = path.join(work, 'tree/a/b');
    await host.mkdir(dir, 0o700);
    expect(statSync(dir).mode & 0o7777).toBe(0o700);
    expect(statSync(path.dirname(dir)).mode & 0o7777).toBe(0o755);
    await host.writeFileAtomic(path.join(dir, 'z'), 'z', 0o640);
    await host.writeFileAtomic(path.join(dir, 'y'), 'yy', 0o640);
    expect(await host.stat(path.join(dir, 'y'))).toEqual({ mode: 0o640, size: 2, isDirectory: false });
    expect(await host.stat(dir)).toEqual(expect.objectContaining({ mode: 0o700, isDirectory: true }));
    expect(await host.stat(path.join(dir, 'absent'))).toBeUndefined();
    expect(await host.readdir(dir)).toEqual(['y', 'z']);
    expect(await host.readdir(path.join(dir, 'absent'))).toEqual([]);
    await host.remove(path.join(work, 'tree'));
    expect(() => lstatSync(path.join(work, 'tree'))).toThrow(/ENOENT/);
    await host.remove(path.join(work, 'tree'));
  });

  it('reports free space from statvfs, from the nearest existing parent', async () => {
    const free = await host.freeSpace(path.join(work, 'not/yet/there'));
    const local = statfsSync(work);
    expect(free).toBeGreaterThan(0);
    // The same filesystem seen twice, a moment apart: within 1 GiB of each other.
    expect(Math.abs(free! - local.bavail * local.bsize)).toBeLessThan(1024 ** 3);
  });

  it('runs commands: exit code, stdout, stderr, stdin, env; a failure names the host and the command', async () => {
    expect(await host.exec('sh', ['-c', 'cat; echo err >&2; exit 0'], { input: 'hello' })).toEqual({ stdout: 'hello', stderr: 'err\n', code: 0 });
    expect(await host.exec('sh', ['-c', 'echo "$GREETING"'], { env: { GREETING: 'hi there' } })).toMatchObject({ stdout: 'hi there\n' });
    expect(await host.exec('sh', ['-c', 'exit 7'], { check: false })).toMatchObject({ code: 7 });
    await expect(host.exec('sh', ['-c', 'echo broken >&2; exit 3'])).rejects.toThrow("node-a: sh -c 'echo broken >&2; exit 3' exited 3: broken");
  });

  it('passes every argument through the remote shell unchanged', async () => {
    const args = ["it's", 'two words', '$HOME', '`id`', '$(id)', '*', '~', 'a\nb', '"q"', '\\', '', '#x', 'k=v', ';', '|', '&', '!', '-n'];
    const { stdout } = await host.exec('printf', ['%s\\0', ...args]);
    expect(stdout.split('\0').slice(0, -1)).toEqual(args);
  });

  it('stops a command at its timeout, and the connection stays usable', async () => {
    await expect(host.exec('sleep', ['37'], { timeoutMs: 500 })).rejects.toThrow('node-a: sleep 37: did not finish within 500 ms and was stopped');
    // The command itself is gone from the node, not only given up on.
    expect(execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n')).not.toContain('sleep 37');
    expect((await host.exec('echo', ['still here'])).stdout).toBe('still here\n');
  });

  it('never shows a secret argument in an error, raw or quoted', async () => {
    const token = 'abcdef.0123456789abcdef';
    const error = await host.exec('sh', ['-c', 'echo "bad token $1" >&2; exit 1', 'sh', token], { secrets: [token] }).catch((err: Error) => err);
    expect((error as Error).message).toContain('***');
    expect((error as Error).message).not.toContain(token);
    const spaced = 'a secret with spaces';
    const quoted = await host.exec('false', [spaced], { secrets: [spaced] }).catch((err: Error) => err);
    expect((quoted as Error).message).toBe('node-a: false *** exited 1: ');
  });

  it('manages services through systemctl', async () => {
    await expect(host.service('bosun-test.service').restart()).rejects.toThrow('node-a: systemctl restart bosun-test.service exited');
  });

  it('gathers the facts preflight asks for, as the node itself sees them', async () => {
    const machine = await sshMachine(host);
    const local = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    expect(machine.arch).toBe(local('uname', '-m'));
    expect(machine.osRelease.ID).toBe(/^ID=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1].replaceAll('"', ''));
    expect(machine.hostname()).toBe(os.hostname());
    expect(machine.isRoot()).toBe(true);
    expect(machine.cpuCount()).toBe(Number(local('nproc')));
    expect(machine.memoryMiB()).toBe(localMachine.memoryMiB());
    expect(await machine.swapDevices()).toEqual(await localMachine.swapDevices());
    expect(await machine.portState(sshd.port, '127.0.0.1')).toBe('in-use');
    expect(await machine.portState(sshd.port)).toBe('in-use');
    expect(await machine.portState(sshd.port, '0.0.0.0')).toBe('in-use');
    expect(await machine.portState(1, '127.0.0.1')).toBe(await localMachine.portState(1, '127.0.0.1'));
    expect(await machine.portState(sshd.port, '203.0.113.77')).toBe('unavailable-address');
    expect(await machine.hasExecutable('sh')).toBe(true);
    expect(await machine.hasExecutable('no-such-tool-anywhere')).toBe(false);
    expect(await machine.readProcFile('/proc/sys/net/ipv4/ip_forward')).toBe(await localMachine.readProcFile('/proc/sys/net/ipv4/ip_forward'));
  });

  it('does everything over one connection, also when many steps run at once', async () => {
    const before = sshd.logins();
    const fresh = new SshPool(pool.opts);
    try {
      const same = fresh.host(settings);
      expect(fresh.host(settings)).toBe(same);
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 2
            ? same.exec('true', [])
            : same.writeFileAtomic(path.join(work, `parallel/${i}`), String(i), 0o644).then(() => same.readFile(path.join(work, `parallel/${i}`))),
        ),
      );
      expect(sshd.logins() - before).toBe(1);
      expect(fresh.dials()).toEqual({ [`root@127.0.0.1:${sshd.port}`]: 1 });
    } finally {
      await fresh.close();
    }
  });

  it('notices a peer that stopped answering by its keepalives, and reconnects', async () => {
    const watched = new SshPool({ ...pool.opts, keepaliveIntervalMs: 200 });
    const frozen: number[] = [];
    try {
      const same = watched.host(settings);
      await same.exec('true', []);
      frozen.push(...sshd.freezeConnections());
      expect(frozen.length).toBeGreaterThan(0);
      // Without keepalives this would wait forever on the frozen connection.
      expect((await same.exec('echo', ['alive'])).stdout).toBe('alive\n');
      expect(watched.dials()).toEqual({ [`root@127.0.0.1:${sshd.port}`]: 2 });
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGKILL');
      await watched.close();
    }
  });

  it('reconnects once when the connection drops', async () => {
    const file = path.join(work, 'reconnect/file');
    await host.writeFileAtomic(file, 'kept', 0o644);
    const dials = pool.dials()[`root@127.0.0.1:${sshd.port}`];
    expect(sshd.dropConnections()).toBeGreaterThan(0);
    // Steps running at once when the drop is noticed share one new connection; file operations are retried on it.
    const reads = await Promise.all(Array.from({ length: 6 }, () => host.readFile(file)));
    expect(reads.map((b) => b?.toString())).toEqual(Array(6).fill('kept'));
    expect((await host.exec('echo', ['back'])).stdout).toBe('back\n');
    expect(pool.dials()[`root@127.0.0.1:${sshd.port}`]).toBe(dials + 1);
    // A command that could not even start on the dropped connection is run on the new one.
    expect(sshd.dropConnections()).toBeGreaterThan(0);
    expect((await host.exec('echo', ['again'])).stdout).toBe('again\n');
    expect(pool.dials()[`root@127.0.0.1:${sshd.port}`]).toBe(dials + 2);
  });
});
