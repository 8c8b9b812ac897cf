/** The real containerd binaries of the sandbox's runtime cache, and `containerd config dump` of a config.toml. */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'smol-toml';
import { cacheRoot } from '../../src/sandbox/paths.js';
import { tempDir } from './temp.js';

/** Each containerd the sandbox caches (`bosun sandbox binaries`): Docker's Debian 1.6 and the 2.x built from its module. */
export const CACHED_CONTAINERDS = [
  { version: '1.6.20', configVersion: 2, file: 'bin/docker/20.10.24/usr/bin/containerd' },
  { version: '2.1.4', configVersion: 3, file: 'bin/containerd/2.1.4/usr/bin/containerd' },
] as const;

/** The cached binary's path; a missing one fails the test with how to get it. */
export function cachedContainerd(file: string): string {
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
