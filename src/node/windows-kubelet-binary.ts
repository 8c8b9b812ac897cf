/**
 * kubelet.exe on a Windows node. A running binary can be renamed on Windows but not overwritten, so a new one is
 * written beside it as kubelet.exe.new (atomically) and moved in by renames: the current one to the name it is
 * kept under, the new one over kubelet.exe. Each step finds what an interrupted earlier run did and goes on.
 */
import { createHash } from 'node:crypto';
import { READ_CAPS, type Host } from '../host/host.js';
import { WINDOWS_KUBELET_BINARY } from '../kube/windows-paths.js';

/** Where a new kubelet.exe waits until the service is stopped and it can be moved in. */
export const STAGED_WINDOWS_KUBELET = `${WINDOWS_KUBELET_BINARY}.new`;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Whether the node's file holds exactly these bytes (the size first: a kubelet.exe is read whole only when it may match). */
async function holds(host: Host, nodePath: string, bytes: Uint8Array): Promise<boolean> {
  const stat = await host.stat(nodePath);
  if (!stat || stat.isDirectory || stat.size !== bytes.length) return false;
  const current = await host.readFile(nodePath, READ_CAPS.binary);
  return current !== undefined && sha256(current) === sha256(bytes);
}

/**
 * Puts these bytes on the node as kubelet.exe.new, unless kubelet.exe or kubelet.exe.new already holds them;
 * returns whether it wrote.
 */
export async function stageWindowsKubelet(host: Host, bytes: Uint8Array): Promise<boolean> {
  if ((await holds(host, WINDOWS_KUBELET_BINARY, bytes)) || (await holds(host, STAGED_WINDOWS_KUBELET, bytes))) return false;
  await host.writeFileAtomic(STAGED_WINDOWS_KUBELET, bytes, 0o755);
  return true;
}

/**
 * Makes these bytes the node's kubelet.exe: staged as kubelet.exe.new (unless already there), the current
 * kubelet.exe renamed to `keepPreviousAs` when given, then kubelet.exe.new renamed to kubelet.exe. Returns false,
 * writing nothing, when kubelet.exe already holds these bytes.
 */
export async function installWindowsKubelet(host: Host, bytes: Uint8Array, opts: { keepPreviousAs?: string } = {}): Promise<boolean> {
  if (await holds(host, WINDOWS_KUBELET_BINARY, bytes)) return false;
  await stageWindowsKubelet(host, bytes);
  if (opts.keepPreviousAs && (await host.stat(WINDOWS_KUBELET_BINARY))) await host.rename(WINDOWS_KUBELET_BINARY, opts.keepPreviousAs);
  await host.rename(STAGED_WINDOWS_KUBELET, WINDOWS_KUBELET_BINARY);
  return true;
}
