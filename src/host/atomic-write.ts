import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

/** The mode of a directory bosun creates on the way to the one it was asked for. */
export const PARENT_DIR_MODE = 0o755;

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException)?.code;

/**
 * Creates `dir` with `mode` and each missing parent with PARENT_DIR_MODE, each mode exact (not narrowed by the
 * umask). `mkdir -p` with one mode would give /etc, /var and /var/lib the 0700 of /var/lib/etcd. Directories that
 * exist are left as they are.
 */
export async function makeDirectories(dir: string, mode: number): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      await fs.stat(at);
      break;
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
      missing.push(at);
      if (at === path.dirname(at)) break;
    }
  }
  for (const at of missing.reverse()) {
    const wanted = at === path.resolve(dir) ? mode : PARENT_DIR_MODE;
    try {
      await fs.mkdir(at, { mode: wanted });
    } catch (err) {
      // Created meanwhile by someone else: theirs to set up.
      if (errorCode(err) === 'EEXIST') continue;
      throw err;
    }
    await fs.chmod(at, wanted);
  }
}

/**
 * Makes `target` anew in one step: `make` creates a temporary dot-file beside it (`.<name>.<random>.tmp`, which
 * the kubelet does not load from its manifests directory), which is renamed over the target; then the directory
 * is fsynced so the rename survives a crash. A kill at any point leaves the old target or the new one (and at
 * worst a dot-file); any failure removes the temporary file.
 */
async function replaceAtomically(target: string, make: (temp: string) => Promise<void>): Promise<void> {
  const dir = path.dirname(target);
  await makeDirectories(dir, PARENT_DIR_MODE);
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await make(temp);
    await fs.rename(temp, target);
  } catch (err) {
    // EEXIST: the random name was taken, so the file there is not this write's to remove.
    if (errorCode(err) !== 'EEXIST') await fs.rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

/** fsync of a directory: makes its entries (a rename) durable. Filesystems that cannot say EINVAL; nothing to do there. */
async function syncDirectory(dir: string): Promise<void> {
  // Windows opens no directory for fsync (bosun run on a Windows node); NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } catch (err) {
    if (errorCode(err) !== 'EINVAL') throw err;
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `target` with exactly `mode` (0600 for secrets, whatever the umask), atomically. */
export function writeFileAtomic(target: string, data: string | Uint8Array, mode: number): Promise<void> {
  return replaceAtomically(target, async (temp) => {
    const handle = await fs.open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, mode);
    try {
      await handle.writeFile(data);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/** Points `link` at `target`, replacing what was there atomically: a reader sees the old file or the new link. */
export function symlinkAtomic(target: string, link: string): Promise<void> {
  return replaceAtomically(link, (temp) => fs.symlink(target, temp));
}
