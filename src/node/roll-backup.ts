/**
 * A roll's backup of a node's files, on the node: every file a migration will change or create is copied to a
 * per-roll directory (/etc/kubernetes/tmp/bosun-migrate-<roll-id>/) before anything changes, with a manifest of
 * which files existed (and their modes). Taking it again is a no-op, so a resumed or retried node keeps the files
 * from before the roll, not its own half-written ones. Restoring puts every file back byte for byte and removes the
 * files that did not exist (and the directories made for them).
 */
import path from 'node:path';
import { UserError } from '../errors.js';
import { READ_CAPS, readText, type Host } from '../host/host.js';
import { KUBERNETES_DIR } from '../kube/paths.js';

export interface BackupEntry {
  path: string;
  existed: boolean;
  mode?: number;
  /** The copy's name in the backup directory. */
  copy?: string;
}

export interface BackupManifest {
  rollId: string;
  files: BackupEntry[];
  /** Directories the files that did not exist would be created in, which did not exist either (deepest first). */
  createdDirs?: string[];
  /** What else the migration changed that is not a file (a Node annotation's old value), for the rollback. */
  notes?: Record<string, string | null>;
}

const MANIFEST = 'manifest.json';

export const backupDir = (rollId: string): string => `${KUBERNETES_DIR}/tmp/bosun-migrate-${rollId}`;

/** The node's backup of this roll, if taken. */
export async function readBackup(host: Host, rollId: string): Promise<BackupManifest | undefined> {
  const file = `${backupDir(rollId)}/${MANIFEST}`;
  const text = await readText(host, file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as BackupManifest;
  } catch {
    throw new UserError(`${file}: not a bosun backup manifest`);
  }
}

/** Copies `files` into the roll's backup directory unless it already holds this roll's backup; the manifest last. */
export async function takeBackup(host: Host, rollId: string, files: string[], notes?: BackupManifest['notes']): Promise<BackupManifest> {
  const existing = await readBackup(host, rollId);
  if (existing) return existing;
  const dir = backupDir(rollId);
  await host.mkdir(dir, 0o700);
  const entries: BackupEntry[] = [];
  for (const [i, file] of [...new Set(files)].entries()) {
    const stat = await host.stat(file);
    if (!stat) {
      entries.push({ path: file, existed: false });
      continue;
    }
    const copy = `${i}-${path.posix.basename(file)}`;
    await host.writeFileAtomic(`${dir}/${copy}`, (await host.readFile(file, READ_CAPS.data))!, 0o600);
    entries.push({ path: file, existed: true, mode: stat.mode & 0o7777, copy });
  }
  const createdDirs = await missingDirs(
    host,
    entries.filter((e) => !e.existed).map((e) => e.path),
  );
  const manifest: BackupManifest = { rollId, files: entries, createdDirs, ...(notes ? { notes } : {}) };
  await host.writeFileAtomic(`${dir}/${MANIFEST}`, `${JSON.stringify(manifest, null, 2)}\n`, 0o600);
  return manifest;
}

/** Puts every backed-up file back as it was (same bytes, same mode) and removes the ones that did not exist. */
export async function restoreBackup(host: Host, rollId: string): Promise<BackupManifest> {
  const manifest = await readBackup(host, rollId);
  if (!manifest) throw new UserError(`no backup of roll ${rollId} on the node (${backupDir(rollId)}/${MANIFEST}): nothing to restore`);
  for (const entry of manifest.files) {
    if (!entry.existed) {
      if (await host.stat(entry.path)) await host.remove(entry.path);
      continue;
    }
    const saved = await host.readFile(`${backupDir(rollId)}/${entry.copy}`, READ_CAPS.data);
    if (saved === undefined) throw new UserError(`${backupDir(rollId)}/${entry.copy}: the backup of ${entry.path} is missing`);
    await host.writeFileAtomic(entry.path, saved, entry.mode ?? 0o644);
  }
  for (const dir of manifest.createdDirs ?? []) {
    if ((await host.stat(dir)) && (await host.readdir(dir)).length === 0) await host.remove(dir);
  }
  return manifest;
}

/** The parent directories of `files` that do not exist, deepest first. */
async function missingDirs(host: Host, files: string[]): Promise<string[]> {
  const missing = new Set<string>();
  for (const file of files) {
    for (let dir = path.posix.dirname(file); dir !== '/' && !missing.has(dir); dir = path.posix.dirname(dir)) {
      if (await host.stat(dir)) break;
      missing.add(dir);
    }
  }
  return [...missing].sort((a, b) => b.split('/').length - a.split('/').length);
}
