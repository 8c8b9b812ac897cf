/**
 * `powershell.exe` on a Windows machine of the sandbox: the command line bosun's Windows door sends
 * (`powershell.exe -NoProfile -NonInteractive -EncodedCommand <base64 of UTF-16LE>`) reaches the node agent as the
 * request of the machine's powershell.exe hand-off (see systemctl.ts), and runs here through the interpreter.
 */
import { promises as fs } from 'node:fs';
import type { SystemctlAnswer } from '../systemctl.js';
import type { WindowsMachine } from './interpreter-machine.js';
import { runPowerShell } from './interpreter.js';

/** The switches bosun passes besides the script; what they ask (no profile, no prompt) is how the interpreter always runs. */
const ACCEPTED = new Set(['-noprofile', '-noninteractive', '-nologo']);

/** The script of a powershell.exe command line, or why the sandbox's powershell.exe does not run it. */
export function encodedScript(args: string[]): string | { problem: string } {
  const at = args.findIndex((a) => ['-encodedcommand', '-ec', '-e'].includes(a.toLowerCase()));
  const other = args.find((a, i) => i !== at && i !== at + 1 && !ACCEPTED.has(a.toLowerCase()));
  if (at < 0 || args[at + 1] === undefined || other !== undefined)
    return { problem: `the sandbox's powershell.exe runs -EncodedCommand <base64> only (with -NoProfile -NonInteractive), got: ${args.join(' ')}` };
  const encoded = args[at + 1];
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0)
    return {
      problem: 'Cannot process the command because the value specified with -EncodedCommand is not properly encoded. The value must be Base64 encoded.',
    };
  return Buffer.from(encoded, 'base64').toString('utf16le');
}

/** Runs a powershell.exe command line on a machine. */
export async function powershellExe(machine: WindowsMachine, args: string[]): Promise<SystemctlAnswer> {
  const script = encodedScript(args);
  if (typeof script !== 'string') return { code: 1, stream: 'err', text: `${script.problem}\n` };
  const result = await runPowerShell(machine, script);
  return { code: result.code, stream: 'out', text: result.stdout, stderr: result.stderr };
}

/** A network namespace's TCP sockets, as a process in it sees /proc/net/tcp (the machine's sshd is one). */
export async function namespaceTcpTable(pid: number | undefined): Promise<string> {
  if (pid === undefined) return '';
  const read = (file: string) => fs.readFile(`/proc/${pid}/net/${file}`, 'utf8').catch(() => '');
  return (await read('tcp')) + (await read('tcp6'));
}
