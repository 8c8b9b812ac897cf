import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { LocalHost } from '../../../src/host/local.js';
import { tempDir } from '../../support/temp.js';

const modeOf = (file: string) => statSync(file).mode & 0o7777;
/** What a killed or failed write may leave: a dot-file the kubelet does not load. */
const TEMP_NAME = /^\.kube-apiserver\.yaml\.[0-9a-f]{12}\.tmp$/;

describe('atomic writes', () => {
  it('leave no temporary file when the rename fails', async () => {
    const root = tempDir('bosun-node-');
    const host = new LocalHost(root);
    // A directory with something in it cannot be renamed over.
    mkdirSync(path.join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), { recursive: true });
    writeFileSync(path.join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml/x'), '');
    await expect(host.writeFileAtomic('/etc/kubernetes/manifests/kube-apiserver.yaml', 'token', 0o600)).rejects.toThrow(/EISDIR/);
    await expect(host.symlink('/opt/kubelet', '/etc/kubernetes/manifests/kube-apiserver.yaml')).rejects.toThrow(/EISDIR/);
    expect(readdirSync(path.join(root, 'etc/kubernetes/manifests'))).toEqual(['kube-apiserver.yaml']);
  });

  it('that the system refuses are a UserError naming the file, and a path under a file is one that does not exist', async () => {
    const root = tempDir('bosun-node-');
    const host = new LocalHost(root);
    writeFileSync(path.join(root, 'etc'), 'a file where a directory should be\n');
    // Each refusal is caught as it is made: one awaited after another would reject with nothing listening yet.
    const refused = [
      host.writeFileAtomic('/etc/kubernetes/admin.conf', 'x', 0o600),
      host.symlink('/opt/kubelet', '/etc/kubernetes/kubelet'),
      host.mkdir('/etc/kubernetes/manifests'),
    ].map((write) => write.catch((e: unknown) => e));
    for (const err of await Promise.all(refused)) {
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toMatch(
        new RegExp(`^${root}/etc/kubernetes/\\S+: cannot write: a part of the path is not a directory \\(ENOTDIR\\)$`),
      );
    }
    expect(await host.stat('/etc/kubernetes/admin.conf')).toBeUndefined();
    expect(readdirSync(root)).toEqual(['etc']);
  });

  it('create missing parents 0755 and only the directory asked for with its mode', async () => {
    const root = tempDir('bosun-node-');
    const host = new LocalHost(root);
    await host.mkdir('/var/lib/etcd', 0o700);
    expect([modeOf(path.join(root, 'var')), modeOf(path.join(root, 'var/lib')), modeOf(path.join(root, 'var/lib/etcd'))]).toEqual([0o755, 0o755, 0o700]);
    await host.writeFileAtomic('/etc/kubernetes/pki/ca.key', 'key', 0o600);
    expect([modeOf(path.join(root, 'etc')), modeOf(path.join(root, 'etc/kubernetes/pki')), modeOf(path.join(root, 'etc/kubernetes/pki/ca.key'))]).toEqual([
      0o755, 0o755, 0o600,
    ]);
    // A directory that exists keeps its mode.
    await host.mkdir('/var/lib', 0o700);
    expect(modeOf(path.join(root, 'var/lib'))).toBe(0o755);
  });

  it.skipIf(!existsSync('/usr/bin/strace'))('fsync the file, rename it over the target, then fsync the directory', async () => {
    const dir = tempDir('bosun-trace-');
    const writer = await buildWriter(dir);
    writeFileSync(path.join(dir, 'content'), 'apiVersion: v1\n');
    const manifests = path.join(dir, 'node/etc/kubernetes/manifests');
    const trace = path.join(dir, 'trace');
    // -y names each descriptor's file, so the directory's fsync is recognised whatever its number.
    execFileSync(
      'strace',
      [
        '-f',
        '-y',
        '-qq',
        '-o',
        trace,
        '-e',
        'trace=fsync,rename,renameat,renameat2',
        process.execPath,
        writer,
        path.join(dir, 'node'),
        '/etc/kubernetes/manifests/kube-apiserver.yaml',
        path.join(dir, 'content'),
      ],
      { env: { ...process.env, WRITES: '1' } },
    );
    const calls = readFileSync(trace, 'utf8').split('\n');
    const renamed = calls.findIndex((line) => /rename/.test(line) && line.includes(`${manifests}/kube-apiserver.yaml"`));
    const tempSynced = calls.findIndex((line) => line.includes('fsync(') && line.includes(`${manifests}/.kube-apiserver.yaml.`));
    const dirSynced = calls.findIndex((line, i) => i > renamed && line.includes('fsync(') && line.includes(`<${manifests}>`));
    expect({ tempSynced: tempSynced >= 0 && tempSynced < renamed, renamed: renamed >= 0, dirSynced: dirSynced > renamed }).toEqual({
      tempSynced: true,
      renamed: true,
      dirSynced: true,
    });
  });

  it('leave the old content or the new one, and no file the kubelet would load, when the writer is killed at any point', async () => {
    const seed = Number(process.env.BOSUN_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = mulberry32(seed);
    const dir = tempDir('bosun-kill-');
    const writer = await buildWriter(dir);
    const files = ['old', 'new'].map((name) => path.join(dir, name));
    files.forEach((file, i) => writeFileSync(file, `${['old', 'new'][i]}\n`.repeat(16 * 1024)));
    const contents = files.map((file) => readFileSync(file));
    const seen = { old: 0, new: 0, tempLeft: 0 };
    const iterations = 60;
    // Writers run side by side, each on a node root of its own: a writer's start is most of an iteration's time.
    const delays = Array.from({ length: iterations }, () => Math.floor(random() * 40));
    const lanes = Array.from({ length: 6 }, (_, lane) => path.join(dir, `node-${lane}`));
    await Promise.all(
      lanes.map(async (root, lane) => {
        const manifests = path.join(root, 'etc/kubernetes/manifests');
        const target = path.join(manifests, 'kube-apiserver.yaml');
        for (let i = lane; i < iterations; i += lanes.length) {
          rmSync(manifests, { recursive: true, force: true });
          mkdirSync(manifests, { recursive: true });
          writeFileSync(target, contents[0]);
          await killWhileWriting(writer, [root, '/etc/kubernetes/manifests/kube-apiserver.yaml', ...files], delays[i]);
          const left = readdirSync(manifests);
          expect(
            left.filter((name) => !name.startsWith('.')),
            `seed ${seed}, iteration ${i}`,
          ).toEqual(['kube-apiserver.yaml']);
          for (const name of left.filter((n) => n.startsWith('.'))) expect(name).toMatch(TEMP_NAME);
          const now = readFileSync(target);
          expect(now.equals(contents[0]) || now.equals(contents[1]), `seed ${seed}, iteration ${i}: the target is neither the old nor the new content`).toBe(
            true,
          );
          seen[now.equals(contents[0]) ? 'old' : 'new']++;
          if (left.length > 1) seen.tempLeft++;
        }
      }),
    );
    console.log(`atomic write kill loop: seed ${seed}, ${iterations} kills: ${seen.old} old, ${seen.new} new, ${seen.tempLeft} with a dot-file left`);
  }, 120_000);
});

/** The writer script (test/support/atomic-writer.ts), bundled into `dir`. */
async function buildWriter(dir: string): Promise<string> {
  const outfile = path.join(dir, 'atomic-writer.mjs');
  const entry = path.join(import.meta.dirname, '../../support/atomic-writer.ts');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error' });
  return outfile;
}

/** Starts the writer, lets it write for `delayMs` after it is ready, kills it with SIGKILL and waits for its end. */
async function killWhileWriting(writer: string, args: string[], delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [writer, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before it was ready`)));
  });
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  await exited;
}

/** A small seeded generator, so a failing run can be repeated with BOSUN_KILL_SEED. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
