/** One word for a POSIX shell: single-quoted unless it is plainly safe, so no value is ever read as shell syntax. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A command line for a POSIX shell, each word quoted. */
export const shellCommand = (words: string[]): string => words.map(shellQuote).join(' ');
