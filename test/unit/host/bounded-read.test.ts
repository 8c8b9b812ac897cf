import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyTree } from '../../../src/commands/upgrade/backup.js';
import { loadConfigFile } from '../../../src/config/load.js';
import { FileReadError, READ_CAPS } from '../../../src/host/host.js';
import { LocalHost } from '../../../src/host/local.js';
import { RecordingHost } from '../../../src/host/recording.js';
import { tempDir } from '../../support/temp.js';

const local = new LocalHost('/');
const small = { what: 'test file', maxBytes: 8 };

function fifo(): string {
  const file = path.join(tempDir('bosun-fifo-'), 'pipe');
  execFileSync('mkfifo', [file]);
  return file;
}

describe('reading a file bosun is given', () => {
  it('--config /dev/urandom is refused at once, naming the file', async () => {
    await expect(loadConfigFile(local, '/dev/urandom')).rejects.toThrow(
      '--config "/dev/urandom": found a character device; expected a regular file (a config file)',
    );
  });

  it('--config naming a FIFO is refused without waiting for a writer', async () => {
    const file = fifo();
    await expect(loadConfigFile(local, file)).rejects.toThrow(`--config "${file}": found a FIFO (named pipe); expected a regular file (a config file)`);
  });

  it('--config naming a directory or a socket is refused, naming it', async () => {
    const dir = tempDir('bosun-config-');
    await expect(loadConfigFile(local, dir)).rejects.toThrow(`--config "${dir}": found a directory; expected a regular file (a config file)`);
    const socket = path.join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      await expect(loadConfigFile(local, socket)).rejects.toThrow(`--config "${socket}": found a socket; expected a regular file (a config file)`);
    } finally {
      server.close();
    }
  });

  it('a node file linked to /dev/zero is refused on / (naming the link) and not found under a root', async () => {
    const dir = tempDir('bosun-node-');
    mkdirSync(path.join(dir, 'etc'));
    symlinkSync('/dev/zero', path.join(dir, 'etc/kubelet.conf'));
    await expect(local.readFile(path.join(dir, 'etc/kubelet.conf'))).rejects.toThrow(
      `${dir}/etc/kubelet.conf: found a character device; expected a regular file (a file)`,
    );
    // Under a root, /dev/zero is the node's: not there, so the kubeconfig is not either.
    expect(await new LocalHost(dir).readFile('/etc/kubelet.conf', READ_CAPS.kubeconfig)).toBeUndefined();
  });

  it.skipIf(process.getuid?.() !== 0)("a device in the node's own /dev is refused, naming where it is", async () => {
    const dir = tempDir('bosun-node-');
    mkdirSync(path.join(dir, 'dev'));
    execFileSync('mknod', [path.join(dir, 'dev/zero'), 'c', '1', '5']);
    symlinkSync('/dev/zero', path.join(dir, 'admin.conf'));
    await expect(new LocalHost(dir).readFile('/admin.conf', READ_CAPS.kubeconfig)).rejects.toThrow(
      `${dir}/dev/zero: found a character device; expected a regular file (a kubeconfig)`,
    );
  });

  it('refuses a file over its cap, by its size, and reads one at the cap', async () => {
    const dir = tempDir('bosun-read-');
    writeFileSync(path.join(dir, 'nine'), '123456789');
    writeFileSync(path.join(dir, 'eight'), '12345678');
    await expect(local.readFile(path.join(dir, 'nine'), small)).rejects.toThrow(`${dir}/nine: the file is 9 bytes; a test file may have at most 8 bytes`);
    expect((await local.readFile(path.join(dir, 'eight'), small))?.toString()).toBe('12345678');
    expect(await local.readFile(path.join(dir, 'missing'), small)).toBeUndefined();
  });

  it('stops at the cap when a file claims less than it holds (/proc)', async () => {
    await expect(local.readFile('/proc/self/status', small)).rejects.toThrow(
      '/proc/self/status: the file has more than 8 bytes; a test file may have at most 8 bytes',
    );
    expect((await local.readFile('/proc/self/status'))?.toString()).toMatch(/^Name:/);
  });

  it('refuses a link loop by name', async () => {
    const dir = tempDir('bosun-loop-');
    symlinkSync(path.join(dir, 'b'), path.join(dir, 'a'));
    symlinkSync(path.join(dir, 'a'), path.join(dir, 'b'));
    await expect(local.readFile(path.join(dir, 'a'))).rejects.toThrow(
      `${dir}/a: too many levels of symbolic links (a loop?); expected links that end at a file`,
    );
  });

  it('refuses with a FileReadError that carries the file and the problem', async () => {
    const error = await local.readFile('/dev/null').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(FileReadError);
    expect(error).toMatchObject({ file: '/dev/null', problem: 'found a character device; expected a regular file (a file)' });
  });
});

describe('the recording host reads as the node does', () => {
  it('refuses what the node refuses, and holds what this run wrote to the same cap', async () => {
    const dir = tempDir('bosun-node-');
    const host = new RecordingHost(new LocalHost(dir));
    mkdirSync(path.join(dir, 'etc'));
    execFileSync('mkfifo', [path.join(dir, 'etc/pipe')]);
    await expect(host.readFile('/etc/pipe')).rejects.toThrow(`${dir}/etc/pipe: found a FIFO (named pipe); expected a regular file (a file)`);
    await host.writeFileAtomic('/etc/nine', '123456789', 0o600);
    await expect(host.readFile('/etc/nine', small)).rejects.toThrow(`${dir}/etc/nine: the file is 9 bytes; a test file may have at most 8 bytes`);
    expect((await host.readFile('/etc/nine'))?.toString()).toBe('123456789');
  });
});

describe('copying a data directory', () => {
  it("reads files over the default cap: etcd's WAL files are 64 MiB", async () => {
    const root = tempDir('bosun-node-');
    const host = new LocalHost(root);
    mkdirSync(path.join(root, 'var/lib/etcd/member/wal'), { recursive: true });
    // A sparse file: its size is what counts.
    writeFileSync(path.join(root, 'var/lib/etcd/member/wal/0.wal'), '');
    truncateSync(path.join(root, 'var/lib/etcd/member/wal/0.wal'), 20 * 1024 * 1024);
    expect(await copyTree(host, '/var/lib/etcd', '/etc/kubernetes/tmp/etcd')).toBe(20 * 1024 * 1024);
    expect(statSync(path.join(root, 'etc/kubernetes/tmp/etcd/member/wal/0.wal')).size).toBe(20 * 1024 * 1024);
  });
});
