/**
 * Commands for a Windows node, as PowerShell. Windows OpenSSH hands an exec request's string to cmd.exe, so bosun
 * sends one line cmd.exe cannot misread: `powershell.exe … -EncodedCommand <base64>`, the script as UTF-16LE
 * (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_powershell_exe#-encodedcommand-base64encodedcommand).
 * Every value in a script is a single-quoted literal made here; the script runs inside a wrapper that stops at the
 * first error and reports it as one line, `bosun-error: {json}` on stderr, which the door turns into its error.
 */
import { UserError } from '../../errors.js';
import { redact } from '../ssh/quote.js';
import type { ExecOptions } from '../host.js';

/** How a PowerShell body runs: ExecOptions less what a script cannot take, plus how errors name it. */
export interface PowerShellOptions extends Pick<ExecOptions, 'check' | 'timeoutMs' | 'secrets'> {
  /** The command as errors name it (default: the body's first line). */
  shown?: string;
}

/** Windows PowerShell 5.1, on every Windows Server since 2016. */
export const POWERSHELL = 'powershell.exe';

/** Its arguments for a script: no profile (the operator's), never a prompt, the script encoded. */
export const powershellArgs = (script: string): string[] => ['-NoProfile', '-NonInteractive', '-EncodedCommand', encodeScript(script)];

/**
 * cmd.exe's limit on a command line (https://learn.microsoft.com/troubleshoot/windows-client/shell-experience/command-line-string-limitation):
 * a longer one would be cut, so it is refused before it is sent.
 */
export const MAX_COMMAND_LINE = 8191;

/** The marker of the error record line the wrapper prints. */
export const ERROR_MARKER = 'bosun-error: ';

/**
 * A single-quoted literal: nothing inside expands. PowerShell also reads the typographic single quotes (U+2018 to
 * U+201B) as quotes, so those are doubled too.
 */
export function psQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a PowerShell value contains a NUL byte, which no command line can carry');
  return `'${value.replace(/['\u2018-\u201b]/g, '$&$&')}'`;
}

/** The script sent for `body`: the first error stops it, and its record is printed as one JSON line on stderr. */
export function wrapScript(body: string): string {
  const indented = body
    .trimEnd()
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
  return [
    "$ErrorActionPreference = 'Stop'",
    "$ProgressPreference = 'SilentlyContinue'",
    'try {',
    indented,
    '} catch {',
    // [Console]::Error writes the bytes as they are: PowerShell's own error stream would arrive serialised (CLIXML).
    `  [Console]::Error.WriteLine('${ERROR_MARKER}' + ($_ | Select-Object -Property @{n='message';e={$_.Exception.Message}},@{n='id';e={$_.FullyQualifiedErrorId}},@{n='category';e={[string]$_.CategoryInfo.Category}} | ConvertTo-Json -Compress))`,
    '  exit 1',
    '}',
    '',
  ].join('\n');
}

/** base64 of the script's UTF-16LE bytes: what `-EncodedCommand` takes. */
export const encodeScript = (script: string): string => Buffer.from(script, 'utf16le').toString('base64');

/** The exec request's line for a whole script; a script too long for cmd.exe is refused. */
export function powershellCommandLine(script: string): string {
  const line = [POWERSHELL, ...powershellArgs(script)].join(' ');
  if (line.length > MAX_COMMAND_LINE) {
    throw new Error(
      `a PowerShell script of ${script.length} characters encodes to a ${line.length}-character command line; cmd.exe takes at most ${MAX_COMMAND_LINE}`,
    );
  }
  return line;
}

/** What the wrapper reports of the error that stopped a script. */
export interface ErrorRecord {
  message: string;
  /** PowerShell's FullyQualifiedErrorId: `NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.StartServiceCommand`. */
  id?: string;
  category?: string;
}

/** The error record in a script's stderr, or undefined when it stopped without one (or printed something else). */
export function parseErrorRecord(stderr: string): ErrorRecord | undefined {
  for (const line of stderr.split(/\r?\n/)) {
    if (!line.startsWith(ERROR_MARKER)) continue;
    try {
      const record = JSON.parse(line.slice(ERROR_MARKER.length)) as Partial<ErrorRecord>;
      if (typeof record.message === 'string') return { message: record.message, id: record.id ?? undefined, category: record.category ?? undefined };
    } catch {
      // Not the wrapper's record: the command printed the marker itself.
    }
  }
  return undefined;
}

/**
 * Windows PowerShell 5.1 hands a native program an argument list it rebuilds as one string, and mangles some on the
 * way: an empty argument is dropped, an embedded `"` is not escaped, and a quoted argument ending in `\` escapes its
 * closing quote. Such an argument is refused rather than passed on changed.
 */
function nativeArgumentProblem(arg: string): string | undefined {
  if (arg === '') return 'an empty argument, which Windows PowerShell drops';
  if (arg.includes('"')) return 'a double quote, which Windows PowerShell passes on unescaped';
  if (/\s/.test(arg) && arg.endsWith('\\')) return 'spaces and a trailing backslash, which would escape the quote Windows PowerShell adds';
  return undefined;
}

/** The body running one program: `& 'cmd' 'arg'…`, then its exit code as the script's. */
export function execBody(cmd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  for (const arg of args) {
    const problem = nativeArgumentProblem(arg);
    if (problem) throw new Error(`an argument of ${cmd} holds ${problem}`);
  }
  const assignments = Object.entries(env).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`environment variable name ${JSON.stringify(name)} is not valid`);
    return `$env:${name} = ${psQuote(value)}`;
  });
  return [...assignments, ['&', ...[cmd, ...args].map(psQuote)].join(' '), 'exit $LASTEXITCODE'].join('\n');
}

/** The error id Get-Service reports for a service that is not installed. */
const NO_SUCH_SERVICE = /^NoServiceFoundForGivenName,/;

/**
 * Why a script failed, as the error to throw (undefined when it exited 0): the error record's message when the
 * wrapper caught one (a missing service is the operator's to fix: a UserError), else the exit code and stderr.
 * `where` names the machine, `shown` the command (secrets already hidden); secrets in the output are hidden here.
 */
export function scriptFailure(where: string, shown: string, result: { code: number; stderr: string }, secrets?: readonly string[]): Error | undefined {
  if (result.code === 0) return undefined;
  const record = parseErrorRecord(result.stderr);
  if (!record) return new Error(`${where}: ${shown} exited ${result.code}: ${redact(result.stderr.trim(), secrets)}`);
  const message = `${where}: ${shown}: ${redact(record.message, secrets)}`;
  return NO_SUCH_SERVICE.test(record.id ?? '') ? new UserError({ what: message, message }) : new Error(message);
}
