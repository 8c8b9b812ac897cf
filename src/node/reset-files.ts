/**
 * What `kubeadm reset` takes off a node (its cleanup-node phase), as node paths: the same list, so a node reset by
 * bosun is as clean as one reset by kubeadm, and one reset by either can be joined again by either.
 */
import path from 'node:path/posix';
import type { Host } from '../host/host.js';
import { KUBECONFIG_FILES, KUBELET_DIR, KUBERNETES_DIR, MANIFESTS_DIR } from '../kube/paths.js';

export interface ResetTargets {
  /** Directories whose contents go; the directories themselves stay, as kubeadm's CleanDir leaves them. */
  directories: string[];
  /** Files removed: the kubeconfigs kubeadm writes. */
  files: string[];
}

/** kubeadm's order: manifests, the kubelet's directory, the certificates, then etcd's data (local etcd only). */
export function resetTargets(opts: { certificatesDir: string; etcdDataDir?: string }): ResetTargets {
  const directories = [MANIFESTS_DIR, KUBELET_DIR, opts.certificatesDir, ...(opts.etcdDataDir ? [opts.etcdDataDir] : [])];
  const kubeconfigs = [
    KUBECONFIG_FILES.admin,
    KUBECONFIG_FILES.superAdmin,
    KUBECONFIG_FILES.kubelet,
    KUBECONFIG_FILES.bootstrapKubelet,
    KUBECONFIG_FILES.controllerManager,
    KUBECONFIG_FILES.scheduler,
  ];
  return { directories, files: kubeconfigs.map((name) => path.join(KUBERNETES_DIR, name)) };
}

/** Removes what is in `dir` and keeps `dir` (kubeadm's CleanDir); a missing directory is already clean. */
export async function cleanDirectory(host: Host, dir: string): Promise<void> {
  for (const entry of await host.readdir(dir)) await host.remove(path.join(dir, entry));
}

/** `\040` and the other octal escapes /proc/mounts writes for spaces, tabs, newlines and backslashes in a path. */
const unescapeMountPath = (field: string) => field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** The mount points at or under `dir` in a /proc/mounts text, deepest first (a mount inside another goes first). */
export function mountsUnder(procMounts: string, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = procMounts
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((field): field is string => field !== undefined)
    .map(unescapeMountPath)
    .filter((point) => point === dir || point.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length || a.localeCompare(b));
}

/**
 * Whether commands run through `host` act on the node itself: a Host whose files are under a directory of this
 * machine (`--rootfs`) runs commands on this machine, whose mounts and firewall are not the node's.
 */
export const commandsReachNode = (host: Host): boolean => host.root === '/' && host.os === 'linux';
