import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { cacheRoot } from './paths.js';

/** One cache entry: a component at a version, built as a whole and renamed into place at once. */
export interface Artifact {
  component: 'kubernetes' | 'etcd' | 'kwok' | 'containerd' | 'docker' | 'coredns' | 'kubernetes-windows' | 'containerd-windows';
  version: string;
  /** Its files, relative to its directory: binary names, or node paths for a runtime (see runtime-binaries.ts). */
  binaries: readonly string[];
}

export function artifactDir(a: Artifact): string {
  return path.join(cacheRoot(), 'bin', a.component, a.version);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes temp dirs left by builds that were killed (their pid is in the name). */
async function removeAbandoned(parent: string): Promise<void> {
  for (const entry of await fs.readdir(parent).catch(() => [])) {
    const m = /\.tmp-(\d+)$/.exec(entry);
    if (m && !isAlive(Number(m[1]))) await fs.rm(path.join(parent, entry), { recursive: true, force: true });
  }
}

/**
 * Builds an artifact's `names` (all its files, or those a cache entry lacks) with `build` into a temp dir beside
 * the entry, then renames them into place (the whole entry, or each file into the existing one), so a killed
 * build never leaves a half binary where a complete one is expected. Returns the entry's directory.
 */
export async function publishArtifact(a: Artifact, names: readonly string[], build: (out: string) => Promise<void>): Promise<string> {
  const target = artifactDir(a);
  await fs.mkdir(path.dirname(target), { recursive: true });
  await removeAbandoned(path.dirname(target));
  const temp = path.join(path.dirname(target), `.${a.version}.tmp-${process.pid}`);
  await fs.rm(temp, { recursive: true, force: true });
  await fs.mkdir(temp);
  try {
    await build(temp);
    if (existsSync(target)) {
      for (const name of names) await fs.rename(path.join(temp, name), path.join(target, name));
      await fs.rm(temp, { recursive: true, force: true });
    } else {
      await fs.rename(temp, target);
    }
  } catch (err) {
    await fs.rm(temp, { recursive: true, force: true });
    // The rename fails when another bosun finished the same binaries first: use those.
    if (!names.every((name) => existsSync(path.join(target, name)))) throw err;
  }
  return target;
}
