import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Every entry under a node's rootfs `root` but the node paths in `skip` (and what is below them), by node path: a
 * file's mode and SHA-256, a directory's mode, a link's target, other kinds (devices, FIFOs) by mode. Two digests
 * are equal when nothing on the disk changed.
 */
export function rootfsDigests(root: string, skip: readonly string[]): Record<string, string> {
  const digests: Record<string, string> = {};
  const walk = (nodePath: string) => {
    for (const entry of readdirSync(path.join(root, nodePath))) {
      const child = path.posix.join(nodePath, entry);
      if (skip.includes(child)) continue;
      const real = path.join(root, child);
      const stat = lstatSync(real);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) digests[child] = `-> ${readlinkSync(real)}`;
      else if (stat.isDirectory()) {
        digests[child] = `dir ${mode}`;
        walk(child);
      } else digests[child] = stat.isFile() ? `${mode} ${createHash('sha256').update(readFileSync(real)).digest('hex')}` : `${mode} special`;
    }
  };
  walk('/');
  return digests;
}
