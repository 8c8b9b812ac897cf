/** The real runtime binaries of the sandbox's cache, and `containerd config dump` of a config.toml. */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'smol-toml';
import { cacheRoot } from '../../src/sandbox/paths.js';
import { tempDir } from './temp.js';

/** Each containerd the sandbox caches (`bosun sandbox binaries`): Docker's Debian 1.6 and the 2.x built from its module. */
export const CACHED_CONTAINERDS = [
  { version: '1.6.20', configVersion: 2, file: 'bin/docker/20.10.24/usr/bin/containerd' },
  { version: '2.1.4', configVersion: 3, file: 'bin/containerd/2.1.4/usr/bin/containerd' },
] as const;

/** Docker's daemon as Debian packages it, cached with its containerd. */
export const CACHED_DOCKERD = 'bin/docker/20.10.24/usr/sbin/dockerd';

/** The cached binary's path (`file` under the cache); a missing one fails the test with how to get it. */
export function cachedRuntimeBinary(file: string): string {
  const binary = path.join(cacheRoot(), file);
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`bosun sandbox binaries\` first (it caches the sandbox's container runtimes)`);
  return binary;
}

/** What containerd makes of a config.toml: its `config dump` parsed, and what it logged (warnings about keys it ignored). */
export async function containerdConfigDump(binary: string, config: string): Promise<{ dump: Record<string, unknown>; log: string }> {
  const file = path.join(tempDir('bosun-containerd-'), 'config.toml');
  writeFileSync(file, config);
  const { stdout, stderr } = await promisify(execFile)(binary, ['--config', file, 'config', 'dump'], { timeout: 60_000 });
  return { dump: parse(stdout), log: stderr };
}

/**
 * Runs `ctr <args>` against the real containerd started on `config` (its `root` moved to a temp dir) in a mount
 * namespace of its own, with fresh tmpfs on /run and /opt (its sockets, state, NRI socket and opt directory: nothing
 * is left on this machine). Both run with `env` added to this process's. Waits for the socket first; the daemon is
 * stopped before this returns, whatever ctr did.
 */
export async function withContainerd(
  binary: string,
  config: string,
  ctrArgs: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  const dir = tempDir('bosun-containerd-run-');
  writeFileSync(path.join(dir, 'config.toml'), stringify({ ...parse(config), root: path.join(dir, 'root') }));
  const script = [
    'mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /opt || exit 1',
    'containerd="$1" dir="$2"; shift 2',
    '"$containerd" --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 & pid=$!',
    'until [ -S /run/containerd/containerd.sock ]; do kill -0 $pid 2>/dev/null || { cat "$dir/containerd.log" >&2; exit 1; }; sleep 0.1; done',
    '"$(dirname "$containerd")/ctr" --address /run/containerd/containerd.sock "$@"; status=$?',
    'kill $pid; wait $pid; exit $status',
  ].join('\n');
  try {
    const { stdout, stderr } = await promisify(execFile)('unshare', ['--mount', '--', 'sh', '-c', script, 'sh', binary, dir, ...ctrArgs], {
      timeout: 120_000,
      env: { ...process.env, ...env },
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const failed = err as { stdout?: string; stderr?: string; code?: number };
    if (typeof failed.code !== 'number') throw err;
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code };
  }
}

/** `ctr plugins ls` of the real containerd on `config` as [type, id, status] rows: the plugins that loaded and those that failed (`error`). */
export async function containerdPlugins(binary: string, config: string): Promise<Array<[type: string, id: string, status: string]>> {
  const { stdout, stderr, code } = await withContainerd(binary, config, ['plugins', 'ls']);
  if (code !== 0) throw new Error(`ctr plugins ls exited ${code}: ${stderr}`);
  return stdout
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 3)
    .map((cols) => [cols[0], cols[1], cols[cols.length - 1]]);
}
