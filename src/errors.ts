/**
 * What kind of failure ended a run, and the exit code it gives (README "Exit codes", `bosun help`):
 * - `user` (1): bad input or configuration, or a failure the operator fixes and re-runs;
 * - `usage` (2): the command line itself: an unknown command or flag, a missing argument;
 * - `precondition` (3): the cluster or node is not in a state the command can start from (preflight failed, the
 *   control plane does not answer, a version skew forbids it; a check found what blocks the work, `migrate report --exit-code`);
 * - `internal` (4): a bug in bosun (an error bosun did not expect); BOSUN_DEBUG=1 prints its stack;
 * - `interrupted` (130 for SIGINT, 143 for SIGTERM: 128 + the signal's number, as shells report it).
 */
export type ErrorCategory = 'user' | 'usage' | 'precondition' | 'internal' | 'interrupted';

export const EXIT_CODES = { user: 1, usage: 2, precondition: 3, internal: 4 } as const;

/** The exit codes by number, as `bosun help` and the README list them. */
export const EXIT_CODE_HELP: ReadonlyArray<[code: string, meaning: string]> = [
  ['0', 'success'],
  ['1', 'bad input or configuration (the message names the file, document and field, or the flag)'],
  ['2', 'usage: unknown command or flag, missing or extra argument'],
  [
    '3',
    'failed precondition on the cluster or node: preflight failed, the control plane does not answer, version skew; a check found problems (`migrate report --exit-code`)',
  ],
  ['4', 'internal error: a bug in bosun (BOSUN_DEBUG=1 prints the stack trace)'],
  ['130, 143', 'interrupted by SIGINT or SIGTERM'],
];

/** Where a problem is: any of a host, a file and the document (kind) and field in it, an API object, a flag. */
export interface Where {
  host?: string;
  file?: string;
  document?: string;
  object?: string;
  field?: string;
  flag?: string;
}

/** An error's stable shape: what went wrong, where, what was expected, and its category (which sets the exit code). */
export interface ErrorDetails {
  what: string;
  where?: Where;
  expected?: string;
  /** `interrupted` is the Interrupted error's (its exit code is its signal's); `internal` is no UserError's. */
  category?: 'user' | 'usage' | 'precondition';
  /** The message, when a caller's own wording says more than `where: what; expected …` would. */
  message?: string;
  /** The error this one explains (BOSUN_DEBUG prints its stack too); never one whose message holds a secret. */
  cause?: unknown;
}

const CATEGORY_OF_CODE: Record<number, ErrorCategory> = { 1: 'user', 2: 'usage', 3: 'precondition', 4: 'internal', 130: 'interrupted', 143: 'interrupted' };

/** `host n1: /etc/kubernetes/admin.conf: field: …`: the parts of a location as messages print them, outermost first. */
export function describeWhere(where: Where): string {
  const file = where.flag && where.file ? `${where.flag} ${where.file}` : (where.file ?? where.flag);
  return [where.host && `host ${where.host}`, file, where.document, where.object, where.field].filter(Boolean).join(': ');
}

function render({ what, where = {}, expected }: ErrorDetails): string {
  const at = describeWhere(where);
  return `${at ? `${at}: ` : ''}${what}${expected ? `; expected ${expected}` : ''}`;
}

/**
 * An error the user can act on: printed without a stack trace, exit code non-zero. Messages name the thing at fault
 * (file, document, field or flag, host or object) and what was expected: built from ErrorDetails, or (older call
 * sites) a message that says all of it, with an exit code.
 */
export class UserError extends Error {
  readonly exitCode: number;
  readonly category: ErrorCategory;
  readonly what: string;
  readonly where: Where;
  readonly expected?: string;

  constructor(message: string, exitCode?: number);
  constructor(details: ErrorDetails);
  constructor(messageOrDetails: string | ErrorDetails, exitCode?: number) {
    const details = typeof messageOrDetails === 'string' ? { what: messageOrDetails } : messageOrDetails;
    super(typeof messageOrDetails === 'string' ? messageOrDetails : (messageOrDetails.message ?? render(details)), { cause: details.cause });
    this.name = 'UserError';
    const category = details.category ?? CATEGORY_OF_CODE[exitCode ?? 1] ?? 'user';
    this.exitCode = exitCode ?? EXIT_CODES[details.category ?? 'user'];
    this.category = category;
    this.what = details.what;
    this.where = details.where ?? {};
    this.expected = details.expected;
  }
}

/** Bad configuration: names the file, the document (kind) and the field path. */
export class ConfigError extends UserError {
  constructor(
    readonly file: string | undefined,
    readonly kind: string | undefined,
    readonly field: string | undefined,
    readonly problem: string,
  ) {
    super({
      what: problem,
      where: { file, document: kind, field },
      message: [file ?? '<flags>', kind, field].filter((part) => part !== undefined && part !== '').join(': ') + `: ${problem}`,
    });
    this.name = 'ConfigError';
  }
}

/** The command line is wrong (exit 2), as commander reports its own usage errors. */
export function usageError(what: string, where?: Where, expected?: string): UserError {
  return new UserError({ what, where, expected, category: 'usage' });
}

/** The cluster or node is not in a state the command can start from (exit 3). */
export function preconditionFailed(what: string, where?: Where, expected?: string): UserError {
  return new UserError({ what, where, expected, category: 'precondition' });
}

const QUOTE_MAX = 80;

/**
 * A value as a message may show it: in double quotes, control characters (C0, DEL, C1: so no terminal escape
 * sequence), line and paragraph separators and bidirectional overrides escaped, cut to `max` characters with an
 * ellipsis. Every message that echoes an operator's value (a configuration value, a flag, a server's answer) uses it.
 * Never give it a secret: it shortens, it does not hide.
 */
export function quote(value: string, max = QUOTE_MAX): string {
  const chars = Array.from(value);
  const shown = chars.length > max ? [...chars.slice(0, Math.max(1, max - 1)), '…'] : chars;
  return `"${shown.map((c) => (isUnsafe(c.codePointAt(0)!) ? escapeChar(c) : c)).join('')}"`;
}

/** C0 controls, `"` and `\`, DEL and C1 controls, line/paragraph separators, bidi embeddings, overrides and isolates, BOM. */
function isUnsafe(code: number): boolean {
  return (
    code < 0x20 ||
    code === 0x22 ||
    code === 0x5c ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/**
 * Text with every control character but newline and tab escaped, as quote() escapes it: the last guard before a
 * message reaches a terminal, for values a message echoes without quote().
 */
export function printable(text: string): string {
  return Array.from(text, (c) => (c !== '\n' && c !== '\t' && c !== '"' && c !== '\\' && isUnsafe(c.codePointAt(0)!) ? escapeChar(c) : c)).join('');
}

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' };

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return SHORT[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

const RUNTIME_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];

/** A Node.js system error (`EISDIR`, `ECONNREFUSED`): what fs and net calls throw, with the call and maybe a path. */
interface SystemError extends Error {
  code: string;
  syscall: string;
  path?: string;
  address?: string;
  port?: number;
}

/** A Node.js system error: the environment failed bosun (a full disk, a refused connection), not a bug in it. */
export function isSystemError(err: unknown): err is SystemError {
  return err instanceof Error && typeof (err as SystemError).code === 'string' && typeof (err as SystemError).syscall === 'string';
}

/**
 * True for an error the JavaScript runtime or Node.js raised rather than bosun: its message (`Cannot read properties
 * of null`, `Invalid URL`, `Unexpected token`, `EISDIR: illegal operation on a directory`) names no file, field or
 * flag, so it must not reach the user as it is.
 */
export function isRuntimeError(err: unknown): boolean {
  if (err instanceof UserError || !(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return RUNTIME_ERRORS.some((type) => err instanceof type) || isSystemError(err) || (typeof code === 'string' && code.startsWith('ERR_'));
}

const SYSTEM_PROBLEMS: Record<string, string> = {
  ENOENT: 'does not exist',
  EISDIR: 'is a directory; expected a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the path is too long',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the peer',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  EPIPE: 'the other end closed the connection',
};

/** A system error's problem in words (`is a directory; expected a file`), without the path it was about. */
export function systemProblem(err: unknown): string | undefined {
  if (!isSystemError(err)) return undefined;
  // The code only for one without words here: `EISDIR` alone is the raw message the user must not get.
  return SYSTEM_PROBLEMS[err.code] ?? `${err.syscall} failed (${err.code})`;
}

/** A system error in words, naming what it was about when the error knows (`/tmp: is a directory; expected a file`). */
export function systemErrorText(err: unknown, about?: string): string | undefined {
  const problem = systemProblem(err);
  if (problem === undefined) return undefined;
  const { path, address, port } = err as SystemError;
  const subject = about ?? path ?? (address ? `${address}${port ? `:${port}` : ''}` : undefined);
  return subject ? `${subject}: ${problem}` : problem;
}

/**
 * Any thrown value as a message may show it: a UserError's or bosun's own Error's message; a system error in words
 * with its path; a runtime error only as "internal error" and its type (its message names nothing the user can fix).
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return `internal error: a thrown ${typeof err}`;
  if (!isRuntimeError(err)) return err.message;
  return systemErrorText(err) ?? `internal error (${err.name}; BOSUN_DEBUG=1 prints the stack trace)`;
}
