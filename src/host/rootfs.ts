import { lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

/** Symbolic links one lookup follows before it gives up, as Linux does (MAXSYMLINKS). */
export const MAX_SYMLINKS = 40;

/** The names of a path, last one first (a stack: the next name to look at is popped). */
const namesOf = (p: string): string[] =>
  p
    .split('/')
    .filter((name) => name !== '' && name !== '.')
    .reverse();

/** A symbolic link's target, `missing` when nothing is there, undefined for anything else (a directory, a file). */
function linkAt(file: string): string | 'missing' | undefined {
  let stats;
  try {
    stats = lstatSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw err;
  }
  return stats.isSymbolicLink() ? readlinkSync(file) : undefined;
}

/**
 * Where `nodePath` is on this machine when the node's `/` is `root`, looked up name by name as the kernel does
 * inside `chroot(root)`: a symbolic link's target is read from the root, whether absolute (`/etc/x`) or climbing
 * (`../../..`), so no path leaves the root. `followLast` follows a link in the last name too (a read, a stat);
 * without it the last name is the link itself (a rename replaces it, a removal removes it). From the first name
 * that does not exist on, names are taken as written: they are what a write creates.
 *
 * The lookup is synchronous so that `Host.resolve`, which answers at once, says the same as the file operations;
 * it costs one lstat per name.
 */
export function resolveInRoot(root: string, nodePath: string, followLast: boolean): string {
  const pending = namesOf(nodePath);
  const resolved: string[] = [];
  let links = 0;
  let missing = false;
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const follow: boolean = !missing && (pending.length > 0 || followLast);
    const link: string | undefined = follow ? linkAt(path.join(root, ...resolved, name)) : undefined;
    if (link === undefined || link === 'missing') {
      missing ||= link === 'missing';
      resolved.push(name);
      continue;
    }
    if (++links > MAX_SYMLINKS) {
      throw new UserError(`${nodePath} under ${root}: more than ${MAX_SYMLINKS} symbolic links to follow (a loop?); expected links that end at a file`);
    }
    if (link.startsWith('/')) resolved.length = 0;
    pending.push(...namesOf(link));
  }
  return path.join(root, ...resolved);
}
