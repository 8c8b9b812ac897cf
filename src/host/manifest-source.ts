import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManifestSource } from '../addons/manifest-files.js';

/**
 * `manifests/` of bosun's package, found by walking up from this module: from src/host under the tests and from
 * dist/ in the bundle alike (the package ships manifests/ beside dist/).
 */
export function packagedManifestsDir(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  while (!existsSync(path.join(dir, 'manifests', 'README.md'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`bosun: no manifests/ directory above ${from}`);
    dir = parent;
  }
  return path.join(dir, 'manifests');
}

/** The vendored manifests on disk; a path leaving the directory is refused. */
export class DirManifestSource implements ManifestSource {
  constructor(readonly dir: string = packagedManifestsDir()) {}

  async read(relPath: string): Promise<string> {
    const file = path.resolve(this.dir, relPath);
    if (!file.startsWith(this.dir + path.sep)) throw new Error(`manifest path ${relPath} leaves ${this.dir}`);
    return fs.readFile(file, 'utf8');
  }
}
