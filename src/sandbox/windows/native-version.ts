/** What a Windows program on a sandbox machine's disk answers to `--version`: the line its build info's version makes. */
import path from 'node:path';
import { isWindowsExecutable, windowsBinaryVersion } from '../windows-binaries.js';

/** The `--version` line of each program, from the version its build info records. */
const VERSION_LINES: Record<string, (version: string) => string> = {
  'kubelet.exe': (v) => `Kubernetes ${v}`,
  'containerd.exe': (v) => `containerd github.com/containerd/containerd/v2 ${v}`,
};

/** Whether the sandbox answers `--version` of this program. */
export const answersVersion = (file: string): boolean => path.basename(file).toLowerCase() in VERSION_LINES;

/** The program's `--version` output; undefined when it is no Windows program of a known kind, or records no version. */
export async function windowsVersionOutput(file: string): Promise<string | undefined> {
  const line = VERSION_LINES[path.basename(file).toLowerCase()];
  if (!line || !(await isWindowsExecutable(file))) return undefined;
  const version = await windowsBinaryVersion(file);
  return version === undefined ? undefined : `${line(version)}\n`;
}
