import { constants, promises as fs, type Stats } from 'node:fs';
import { FileReadError, type ReadCap } from './host.js';

/** What a file that is not a regular one is, for the error. */
function typeOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a symbolic link';
}

function checkRegular(file: string, stats: Stats, cap: ReadCap): void {
  if (!stats.isFile()) throw FileReadError.notRegular(file, typeOf(stats), cap);
  if (stats.size > cap.maxBytes) throw FileReadError.tooLarge(file, stats.size, cap);
}

/** Undefined for a file that is not there; a link loop (or, opening without following, a link) is refused by name. */
function absentOrRefused(file: string, err: unknown): undefined {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return undefined;
  if (code === 'ELOOP') throw new FileReadError(file, 'too many levels of symbolic links (a loop?); expected links that end at a file');
  throw err;
}

/**
 * The one reader of operator-supplied and node files: a regular file of at most `cap.maxBytes` bytes, undefined
 * when it does not exist. It looks before it opens (a FIFO is never opened, a device never read), opens without
 * blocking (a FIFO put there since does not wait for a writer) and looks again at what it opened (the name may
 * have been replaced in between). It reads at most one byte over the cap whatever size the file claims: /proc
 * files claim 0, and a file may grow under the read. `noFollow` refuses a link in the last name (the caller
 * resolved links itself).
 */
export async function readBounded(file: string, cap: ReadCap, noFollow = false): Promise<Buffer | undefined> {
  try {
    checkRegular(file, await (noFollow ? fs.lstat(file) : fs.stat(file)), cap);
  } catch (err) {
    return absentOrRefused(file, err);
  }
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (noFollow ? constants.O_NOFOLLOW : 0);
  let handle;
  try {
    handle = await fs.open(file, flags);
  } catch (err) {
    return absentOrRefused(file, err);
  }
  try {
    const opened = await handle.stat();
    checkRegular(file, opened, cap);
    return await readUpTo(handle, file, opened.size, cap);
  } finally {
    await handle.close();
  }
}

const FIRST_CHUNK = 64 * 1024;

/** Reads to the end, or refuses once the file proves longer than the cap. `size` is what the file claimed. */
async function readUpTo(handle: fs.FileHandle, file: string, size: number, cap: ReadCap): Promise<Buffer> {
  // One byte more than the file claims, so its end is seen without growing; files claiming 0 get a first chunk.
  let buffer = Buffer.allocUnsafe(Math.min(Math.max(size + 1, FIRST_CHUNK), cap.maxBytes + 1));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > cap.maxBytes) throw FileReadError.tooLarge(file, undefined, cap);
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, cap.maxBytes + 1));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) return buffer.subarray(0, length);
    length += bytesRead;
  }
}
