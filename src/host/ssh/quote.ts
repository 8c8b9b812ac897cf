/**
 * Command lines for a POSIX shell: an SSH server hands the exec request's one string to the user's login shell,
 * so every argument is quoted here, once, and nowhere else.
 */

/** Words the shell leaves alone: no expansion, globbing, splitting, comment or assignment can start in them. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;

/** One argument as a single shell word: single quotes make every byte literal; a quote closes, is escaped, reopens. */
export function shQuote(arg: string): string {
  // argv entries are C strings: a NUL would silently cut the argument short on the node.
  if (arg.includes('\0')) throw new Error('a command argument contains a NUL byte, which no command line can carry');
  if (PLAIN_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** `cmd args…` as one shell command line, every word quoted. */
export function shCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map(shQuote).join(' ');
}

/**
 * `text` with every secret replaced by `***`: the quoted form first (a secret with spaces or quotes appears
 * quoted in a command line), then the raw one, longest first so a secret containing another is hidden whole.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  const forms = secrets.filter((s) => s.length > 0).flatMap((s) => [shQuote(s), s]);
  return [...new Set(forms)].sort((a, b) => b.length - a.length).reduce((out, form) => out.replaceAll(form, '***'), text);
}
