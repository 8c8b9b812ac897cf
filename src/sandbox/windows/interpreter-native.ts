/**
 * Native programs a script runs (`& 'C:\k\kubelet.exe' --version`): a file of the machine's disk that must be a
 * real Windows program. The sandbox cannot run one; what it answers is what the binary's build info records
 * (`--version` of kubelet.exe and containerd.exe), and anything else stops the script rather than pretend.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isWindowsExecutable } from '../windows-binaries.js';
import { hostPath, SEARCH_PATH, type WindowsMachine } from './interpreter-machine.js';
import { NotInSandbox, PowerShellError } from './interpreter-values.js';
import { answersVersion, windowsVersionOutput } from './native-version.js';

/** The file a program name runs: a path, or a name looked up in the machine's PATH (`.exe` added when missing). */
export async function resolveProgram(machine: WindowsMachine, program: string): Promise<string | undefined> {
  const names = /\.exe$/i.test(program) ? [program] : [program, `${program}.exe`];
  const candidates = /[\\/]/.test(program) ? names : SEARCH_PATH.flatMap((dir) => names.map((n) => `${dir}\\${n}`));
  for (const candidate of candidates) {
    const file = hostPath(machine, candidate, 'GetCommandCommand');
    if ((await fs.stat(file).catch(() => undefined))?.isFile()) return file;
  }
  return undefined;
}

/** Runs a native program with its arguments; undefined when there is no such program (the caller's CommandNotFound). */
export async function runNative(
  machine: WindowsMachine,
  program: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string } | undefined> {
  const file = await resolveProgram(machine, program);
  if (!file) return undefined;
  if (!(await isWindowsExecutable(file)))
    throw new PowerShellError(
      `Program '${path.basename(file)}' failed to run: The specified executable is not a valid application for this OS platform.`,
      'NativeCommandFailed',
      'ResourceUnavailable',
      program,
      true,
    );
  if (!answersVersion(file) || args.length !== 1 || args[0] !== '--version')
    throw new NotInSandbox(
      `the sandbox runs no Windows program: ${program} ${args.join(' ')} (only kubelet.exe and containerd.exe --version answer, from their build info)`,
    );
  const output = await windowsVersionOutput(file);
  if (output === undefined) return { code: 1, stdout: '', stderr: `${program}: its build info records no version\n` };
  return { code: 0, stdout: output, stderr: '' };
}
