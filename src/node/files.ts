import type { Host } from '../host/host.js';

/**
 * Writes a file only when its content or mode differs from what the node has, so phases are idempotent
 * (an unchanged static Pod manifest must not be rewritten: the kubelet would restart the Pod).
 * Returns whether it wrote.
 */
export async function writeFileIfChanged(host: Host, nodePath: string, data: string | Uint8Array, mode: number): Promise<boolean> {
  const bytes = Buffer.from(data);
  const current = await host.readFile(nodePath);
  if (current?.equals(bytes) && (await host.stat(nodePath))?.mode === mode) return false;
  await host.writeFileAtomic(nodePath, bytes, mode);
  return true;
}

/** Creates a directory with the given mode unless it exists (an existing one keeps its mode, as with kubeadm). */
export async function ensureDir(host: Host, nodePath: string, mode: number): Promise<void> {
  if (!(await host.stat(nodePath))) await host.mkdir(nodePath, mode);
}
