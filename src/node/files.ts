import type { Host } from '../host/host.js';

/**
 * Writes a file only when its content or mode differs from what the node has, so phases are idempotent
 * (an unchanged static Pod manifest must not be rewritten: the kubelet would restart the Pod).
 * Returns whether it wrote.
 */
export async function writeFileIfChanged(host: Host, nodePath: string, data: string | Uint8Array, mode: number): Promise<boolean> {
  return (await writeFilesIfChanged(host, [{ nodePath, data, mode }]))[0];
}

export interface FileToWrite {
  nodePath: string;
  data: string | Uint8Array;
  mode: number;
}

/**
 * writeFileIfChanged for several files that go together: every one is read first, so a file bosun will not read
 * (a directory, a device) refuses the lot before any is written. Returns, per file, whether it was written.
 */
export async function writeFilesIfChanged(host: Host, files: FileToWrite[]): Promise<boolean[]> {
  const changed = await Promise.all(
    files.map(async ({ nodePath, data, mode }) => {
      const current = await host.readFile(nodePath);
      return !current?.equals(Buffer.from(data)) || (await host.stat(nodePath))?.mode !== mode;
    }),
  );
  for (const [i, { nodePath, data, mode }] of files.entries()) if (changed[i]) await host.writeFileAtomic(nodePath, Buffer.from(data), mode);
  return changed;
}

/** Creates a directory with the given mode unless it exists (an existing one keeps its mode, as with kubeadm). */
export async function ensureDir(host: Host, nodePath: string, mode: number): Promise<void> {
  if (!(await host.stat(nodePath))) await host.mkdir(nodePath, mode);
}
