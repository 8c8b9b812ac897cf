import { CommanderError } from 'commander';
import { describeError, EXIT_CODE_HELP, EXIT_CODES, isRuntimeError, printable, systemErrorText, UserError } from '../errors.js';

/** What bosun prints on stderr for an error that ended a command, and its exit code. */
export interface ErrorReport {
  text: string;
  code: number;
}

/**
 * The report of an error that reached the CLI entry, control characters escaped. A UserError is its message. Commander has printed its own
 * usage errors (exit 2). Anything else is a bug: reported as an internal error that says what bosun was doing
 * (`doing`: `running "bosun token create"`) and how to get the stack, never as a bare runtime message;
 * `debug` (BOSUN_DEBUG) appends the stack traces of the error and its causes.
 */
export function reportError(err: unknown, doing: string, debug: boolean): ErrorReport {
  if (err instanceof CommanderError) return { text: '', code: err.exitCode === 0 ? 0 : EXIT_CODES.usage };
  const stacks = debug ? stackTraces(err) : '';
  if (err instanceof UserError) return { text: `error: ${printable(err.message)}\n${stacks}`, code: err.exitCode };
  const detail = isRuntimeError(err) ? (systemErrorText(err) ?? `an unexpected ${(err as Error).name}`) : describeError(err);
  const hint = debug ? stacks : 'This is a bug in bosun; BOSUN_DEBUG=1 prints the stack trace.\n';
  return { text: `error: internal error while ${printable(doing)}: ${printable(detail)}\n${hint}`, code: EXIT_CODES.internal };
}

/** The stack of `err` and of each error in its `cause` chain. */
function stackTraces(err: unknown): string {
  const stacks: string[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) stacks.push(`${depth ? 'caused by: ' : ''}${e.stack ?? e.message}\n`);
  return stacks.join('');
}

/** The exit codes section of `bosun help`. */
export function exitCodesHelp(): string {
  const width = Math.max(...EXIT_CODE_HELP.map(([code]) => code.length));
  return `\nExit codes:\n${EXIT_CODE_HELP.map(([code, meaning]) => `  ${code.padEnd(width)}  ${meaning}`).join('\n')}\n`;
}
