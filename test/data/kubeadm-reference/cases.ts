/** The recorded kubeadm cases (see README.md): one directory per release, one per case below it. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildInitConfig } from '../../../src/config/resolve.js';
import { readConfigText } from '../../../src/config/read.js';
import type { InitConfig } from '../../../src/config/types.js';

export const REFERENCE_DIR = import.meta.dirname;
/** The hostname the recordings were made with (kubeadm compares it with the node name). */
export const RECORDING_HOSTNAME = 'vm';

export interface ReferenceCase {
  /** `v1.37.1/full` */
  id: string;
  version: string;
  dir: string;
}

const subdirs = (dir: string) => readdirSync(dir).filter((entry) => statSync(path.join(dir, entry)).isDirectory()).sort();

export const REFERENCE_CASES: ReferenceCase[] = subdirs(REFERENCE_DIR)
  .filter((entry) => /^v\d+\.\d+\.\d+$/.test(entry))
  .flatMap((version) => subdirs(path.join(REFERENCE_DIR, version)).map((name) => ({ id: `${version}/${name}`, version, dir: path.join(REFERENCE_DIR, version, name) })));

/** The case's config.yaml as `bosun init --config` resolves it on the recording machine. */
export function resolvedCaseConfig(c: ReferenceCase): InitConfig {
  const file = path.join(c.dir, 'config.yaml');
  return buildInitConfig(readConfigText(readFileSync(file, 'utf8'), file), {}, { hostname: () => RECORDING_HOSTNAME, defaultIPv4: () => undefined, proxyEnv: () => [] });
}

/** Files below `root`, relative to it. */
export function filesUnder(root: string, dir = ''): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(root, path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}
