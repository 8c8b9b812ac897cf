/**
 * Windows binaries on a sandbox machine's disk: whether a file is a Windows (PE, x86-64) executable, and the
 * version its Go build info records (`go version -m` reads it from a binary of any platform), so what a Windows
 * node reports comes from its binaries, never from bosun's words.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tryRun } from './exec.js';
import { cacheRoot } from './paths.js';

/** IMAGE_FILE_MACHINE_AMD64: the machine field of a PE header for x86-64. */
const AMD64 = 0x8664;
/** The version stamps the builds set through -ldflags -X: Kubernetes' gitVersion, containerd's Version. */
const VERSION_STAMP =
  /-X[= ]'?(?:k8s\.io\/component-base\/version\.gitVersion|github\.com\/containerd\/containerd(?:\/v2)?\/version\.Version)=v?(\d+\.\d+\.\d+[^"'\s]*)/;

/** Whether `file` is a Windows x86-64 executable: the DOS header's `MZ`, and `PE\0\0` with the AMD64 machine where it points. */
export async function isWindowsExecutable(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead < 0x40 || head.toString('latin1', 0, 2) !== 'MZ') return false;
    const pe = head.readUInt32LE(0x3c);
    if (pe + 6 > bytesRead) return false;
    return head.toString('latin1', pe, pe + 4) === 'PE\0\0' && head.readUInt16LE(pe + 4) === AMD64;
  } finally {
    await handle.close();
  }
}

/** The version a Windows binary was built as (`v1.36.3`), from its Go build info; undefined when it is not one or has none. */
export async function windowsBinaryVersion(file: string): Promise<string | undefined> {
  if (!(await isWindowsExecutable(file))) return undefined;
  const info = await tryRun('go', ['version', '-m', file]);
  const version = VERSION_STAMP.exec(info ?? '')?.[1];
  return version === undefined ? undefined : `v${version}`;
}

/** containerd's Windows release the sandbox's Windows machines come with. */
export const WINDOWS_CONTAINERD_VERSION = 'v2.1.4';

/** Where the cache keeps a Windows binary of a version (`kubelet.exe` of `kubernetes-windows/<v>`, `containerd.exe` of `containerd-windows/<v>`). */
export function cachedWindowsBinary(name: string, version: string): string {
  const component = name === 'containerd.exe' ? 'containerd-windows' : 'kubernetes-windows';
  return path.join(cacheRoot(), 'bin', component, version, name);
}
