import { randomBytes } from 'node:crypto';
import path from 'node:path/posix';
import type { SFTPWrapper, Stats } from 'ssh2';
import { FileReadError, type FileStat, type ReadCap } from '../host.js';

/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7). */
const NO_SUCH_FILE = 2;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/** Reads or writes kept in flight at once: SFTP answers each one, and waiting for every answer would cost a round trip per chunk. */
const IN_FLIGHT = 16;

/** The SFTP extensions the server announced (name → version). */
export type ServerExtensions = Readonly<Record<string, string>>;

type Callback<T> = (err: Error | undefined | null, value?: T) => void;

function call<T>(fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

export const isNoSuchFile = (err: unknown) => (err as { code?: number })?.code === NO_SUCH_FILE;

async function optional<T>(op: Promise<T>): Promise<T | undefined> {
  try {
    return await op;
  } catch (err) {
    if (isNoSuchFile(err)) return undefined;
    throw err;
  }
}

const statOf = (sftp: SFTPWrapper, p: string) => call<Stats>((cb) => sftp.stat(p, cb));
const lstatOf = (sftp: SFTPWrapper, p: string) => call<Stats>((cb) => sftp.lstat(p, cb));

export async function stat(sftp: SFTPWrapper, p: string): Promise<FileStat | undefined> {
  const s = await optional(statOf(sftp, p));
  return s && { mode: s.mode & 0o7777, size: s.size, isDirectory: (s.mode & S_IFMT) === S_IFDIR };
}

export async function readdir(sftp: SFTPWrapper, p: string): Promise<string[]> {
  const list = await optional(call<{ filename: string }[]>((cb) => sftp.readdir(p, cb)));
  return (list ?? [])
    .map((e) => e.filename)
    .filter((n) => n !== '.' && n !== '..')
    .sort();
}

/** What a non-regular file is, for the refusal. */
const fileType = (mode: number) => ((mode & S_IFMT) === S_IFDIR ? 'a directory' : 'a special file (device, FIFO or socket)');

/** A regular file's bytes, refused past the cap (checked before reading, and again while reading a growing file). */
export async function readFile(sftp: SFTPWrapper, p: string, cap: ReadCap, where: string): Promise<Buffer | undefined> {
  const s = await optional(statOf(sftp, p));
  if (!s) return undefined;
  const file = `${where}:${p}`;
  if ((s.mode & S_IFMT) !== S_IFREG) throw FileReadError.notRegular(file, fileType(s.mode), cap);
  if (s.size > cap.maxBytes) throw FileReadError.tooLarge(file, s.size, cap);
  const handle = await call<Buffer>((cb) => sftp.open(p, 'r', cb));
  try {
    return await readAll(sftp, handle, cap.maxBytes, () => FileReadError.tooLarge(file, undefined, cap));
  } finally {
    await call((cb) => sftp.close(handle, cb));
  }
}

const READ_CHUNK = 128 * 1024;

function readChunk(sftp: SFTPWrapper, handle: Buffer, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(READ_CHUNK);
  return call<number>((cb) => sftp.read(handle, buf, 0, READ_CHUNK, position, (err, bytes) => cb(err, bytes))).then((n) => buf.subarray(0, n));
}

/**
 * Reads to the end, `IN_FLIGHT` chunks at a time. A chunk shorter than asked ends the window: the next one
 * starts right after it, so a short read anywhere (procfs files report size 0) loses nothing; an empty one is the end.
 */
async function readAll(sftp: SFTPWrapper, handle: Buffer, limit: number, tooBig: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let position = 0; ;) {
    const window = await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => readChunk(sftp, handle, position + i * READ_CHUNK)));
    for (const part of window) {
      if (part.length === 0) return Buffer.concat(chunks);
      chunks.push(part);
      position += part.length;
      if (position > limit) throw tooBig();
      if (part.length < READ_CHUNK) break;
    }
  }
}

/**
 * What differs between SFTP servers' files: how a file is renamed over another, and whether files keep POSIX modes
 * (a Windows server keeps ACLs instead: see windows/windows-host.ts).
 */
export interface FileRules {
  renameOver(sftp: SFTPWrapper, from: string, to: string, extensions: ServerExtensions): Promise<void>;
  modes: boolean;
}

/** `mkdir -p`: missing parents 0755, the leaf `mode` exactly (the server's umask would otherwise take bits off). */
export async function mkdirP(sftp: SFTPWrapper, p: string, mode = 0o755, modes = true): Promise<void> {
  const existing = await optional(statOf(sftp, p));
  if (existing) {
    if ((existing.mode & S_IFMT) !== S_IFDIR) throw new Error(`${p} exists and is not a directory`);
    return;
  }
  const parent = path.dirname(p);
  if (parent !== p) await mkdirP(sftp, parent, 0o755, modes);
  try {
    await call((cb) => sftp.mkdir(p, modes ? { mode } : {}, cb));
  } catch (err) {
    // Made meanwhile by a concurrent step: fine when it is a directory.
    if ((await optional(statOf(sftp, p)))?.isDirectory()) return;
    throw err;
  }
  if (modes) await call((cb) => sftp.chmod(p, mode, cb));
}

/** `rm -rf`: a symlink is removed, never followed. */
export async function removeTree(sftp: SFTPWrapper, p: string): Promise<void> {
  const s = await optional(lstatOf(sftp, p));
  if (!s) return;
  if ((s.mode & S_IFMT) === S_IFDIR) {
    for (const name of await readdir(sftp, p)) await removeTree(sftp, path.join(p, name));
    await optional(call((cb) => sftp.rmdir(p, cb)));
  } else {
    await optional(call((cb) => sftp.unlink(p, cb)));
  }
}

/** Bytes free for an unprivileged writer on the filesystem of `p` or its nearest existing parent; undefined without statvfs. */
export async function freeSpace(sftp: SFTPWrapper, p: string, extensions: ServerExtensions): Promise<number | undefined> {
  if (!('statvfs@openssh.com' in extensions)) return undefined;
  for (let dir = p; ; dir = path.dirname(dir)) {
    try {
      const vfs = await call<{ f_bavail: number | bigint; f_frsize: number | bigint }>((cb) => sftp.ext_openssh_statvfs(dir, cb));
      return Number(vfs.f_bavail) * Number(vfs.f_frsize);
    } catch (err) {
      if (!isNoSuchFile(err) || dir === '/') return undefined;
    }
  }
}

async function writeAll(sftp: SFTPWrapper, handle: Buffer, data: Buffer): Promise<void> {
  const chunk = 128 * 1024;
  const offsets = Array.from({ length: Math.ceil(data.length / chunk) }, (_, i) => i * chunk);
  for (let i = 0; i < offsets.length; i += IN_FLIGHT) {
    await Promise.all(offsets.slice(i, i + IN_FLIGHT).map((off) => call((cb) => sftp.write(handle, data, off, Math.min(chunk, data.length - off), off, cb))));
  }
}

/**
 * The temp files of earlier writes of `base` that never reached their rename: a bosun killed mid-write (SIGKILL, the
 * machine lost) cannot remove its own, so the next write of the same file (the resumed run's) does.
 */
async function removeStaleTemps(sftp: SFTPWrapper, dir: string, base: string): Promise<void> {
  const stale = (await readdir(sftp, dir)).filter((name) => name.startsWith(`.${base}.`) && /^[0-9a-f]{12}\.tmp$/.test(name.slice(base.length + 2)));
  for (const name of stale) await optional(call((cb) => sftp.unlink(path.join(dir, name), cb)));
}

/**
 * Temp file `.<name>.<random>.tmp` beside the target (created exclusively, 0600 until done), written, fsynced where the
 * server offers `fsync@openssh.com`, given its exact mode (where the server keeps modes), then renamed over the target
 * as the server's rules say (on Linux with `posix-rename@openssh.com`: plain SFTP rename refuses an existing target).
 * The temp file is removed on any failure.
 */
export async function writeFileAtomic(
  sftp: SFTPWrapper,
  p: string,
  data: Buffer,
  mode: number,
  extensions: ServerExtensions,
  rules: FileRules = POSIX_FILES,
): Promise<void> {
  const [dir, base] = [path.dirname(p), path.basename(p)];
  await mkdirP(sftp, dir, 0o755, rules.modes);
  await removeStaleTemps(sftp, dir, base);
  const temp = path.join(dir, `.${base}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await call<Buffer>((cb) => sftp.open(temp, 'wx', rules.modes ? { mode: 0o600 } : {}, cb));
    try {
      await writeAll(sftp, handle, data);
      if (rules.modes) await call((cb) => sftp.fchmod(handle, mode, cb));
      if ('fsync@openssh.com' in extensions) await call((cb) => sftp.ext_openssh_fsync(handle, cb));
    } finally {
      await call((cb) => sftp.close(handle, cb));
    }
    await rules.renameOver(sftp, temp, p, extensions);
  } catch (err) {
    await optional(call((cb) => sftp.unlink(temp, cb))).catch(() => {});
    throw err;
  }
}

/** Renames `from` over `to`: in one step with `posix-rename@openssh.com`, else as renameReplacing does. */
export async function renameOver(sftp: SFTPWrapper, from: string, to: string, extensions: ServerExtensions): Promise<void> {
  if ('posix-rename@openssh.com' in extensions) await call((cb) => sftp.ext_openssh_rename(from, to, cb));
  else await renameReplacing(sftp, from, to);
}

/** A Linux server's files: exact modes, renamed over in one step where the server can. */
export const POSIX_FILES: FileRules = { renameOver, modes: true };

/** SFTP's own rename (draft-02 §6.5): refused when the target exists. */
export const plainRename = (sftp: SFTPWrapper, from: string, to: string): Promise<void> => call((cb) => sftp.rename(from, to, cb));

/** Servers without posix-rename: plain rename, and when the target exists, remove it first (a short window without it). */
async function renameReplacing(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await plainRename(sftp, from, to);
  } catch {
    await optional(call((cb) => sftp.unlink(to, cb)));
    await plainRename(sftp, from, to);
  }
}
