/** Backups an upgrade takes before it changes a component, under /etc/kubernetes/tmp as kubeadm names them. */
import path from 'node:path/posix';
import { TEMP_DIR } from '../../kube/paths.js';
import { ensureDir } from '../../node/files.js';
import { READ_CAPS, type Host } from '../../host/host.js';

/** Backups hold what the manifests hold (paths to keys) and etcd's data: owner-only directories. */
const BACKUP_DIR_MODE = 0o700;

/** kubeadm's backup timestamp: `2006-01-02-15-04-05` (local time). */
export function backupStamp(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return [now.getFullYear(), now.getMonth() + 1, now.getDate(), now.getHours(), now.getMinutes(), now.getSeconds()].map(pad).join('-');
}

export function backupDirs(stamp: string): { manifests: string; etcd: string; kubelet: string } {
  return {
    manifests: path.join(TEMP_DIR, `kubeadm-backup-manifests-${stamp}`),
    etcd: path.join(TEMP_DIR, `kubeadm-backup-etcd-${stamp}`),
    kubelet: path.join(TEMP_DIR, `kubeadm-kubelet-config-${stamp}`),
  };
}

/** Creates /etc/kubernetes/tmp and a backup directory in it, owner-only. */
export async function ensureBackupDir(host: Host, dir: string): Promise<void> {
  await ensureDir(host, TEMP_DIR, BACKUP_DIR_MODE);
  await ensureDir(host, dir, BACKUP_DIR_MODE);
}

/** Bytes under a directory (0 when it does not exist). */
export async function treeSize(host: Host, dir: string): Promise<number> {
  const stat = await host.stat(dir);
  if (!stat) return 0;
  if (!stat.isDirectory) return stat.size;
  let total = 0;
  for (const entry of await host.readdir(dir)) total += await treeSize(host, path.join(dir, entry));
  return total;
}

/** Copies a directory tree file by file through the Host, keeping modes; returns the bytes copied. */
export async function copyTree(host: Host, from: string, to: string): Promise<number> {
  const stat = await host.stat(from);
  if (!stat) return 0;
  if (!stat.isDirectory) {
    await host.writeFileAtomic(to, (await host.readFile(from, READ_CAPS.data)) ?? Buffer.alloc(0), stat.mode);
    return stat.size;
  }
  await host.mkdir(to, stat.mode);
  let total = 0;
  for (const entry of await host.readdir(from)) total += await copyTree(host, path.join(from, entry), path.join(to, entry));
  return total;
}

/** Puts a backed-up directory back in place of `target`. */
export async function restoreTree(host: Host, backup: string, target: string): Promise<void> {
  await host.remove(target);
  await copyTree(host, backup, target);
}
