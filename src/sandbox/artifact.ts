import path from 'node:path';
import { cacheRoot } from './paths.js';

/** One cache entry: a component at a version, built as a whole and renamed into place at once. */
export interface Artifact {
  component: 'kubernetes' | 'etcd' | 'kwok' | 'containerd' | 'docker' | 'coredns';
  version: string;
  /** Its files, relative to its directory: binary names, or node paths for a runtime (see runtime-binaries.ts). */
  binaries: readonly string[];
}

export function artifactDir(a: Artifact): string {
  return path.join(cacheRoot(), 'bin', a.component, a.version);
}
