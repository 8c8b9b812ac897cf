import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Messages that come from the runtime rather than from bosun: they name no file, field or flag, and tell an
 * operator nothing they can act on. Each entry is the pattern and the name it is counted under.
 */
const RAW_MESSAGES: Array<[RegExp, string]> = [
  [/\b(TypeError|ReferenceError|RangeError|SyntaxError|AggregateError)\b/, 'JS error class'],
  [/Cannot read propert(y|ies) of/, 'Cannot read properties'],
  [/Cannot (set|convert|destructure)\b/, 'Cannot set/convert'],
  [/is not (a function|iterable|a constructor|defined)/, 'is not a function'],
  [/Unexpected (token|end of JSON|non-whitespace)/, 'Unexpected token'],
  [/in JSON at position/, 'JSON position'],
  [/Invalid URL/, 'Invalid URL'],
  [/Maximum call stack/, 'call stack'],
  [/\[object Object\]/, '[object Object]'],
  [/\bERR_[A-Z_]{3,}\b/, 'ERR_ code'],
  [/The "[a-zA-Z]+" argument/, 'Node argument error'],
  [/\bNaN\b/, 'NaN'],
  [/^\s+at (?:async )?[^\s]+ \(.*:\d+:\d+\)$|^\s+at (?:async )?\/.*:\d+:\d+$|^\s+at node:/m, 'stack line'],
];

/** A Node errno message (`EISDIR: illegal operation on a directory, read`) on a line that names no path. */
const ERRNO_WITHOUT_PATH = /\bE[A-Z]{3,}\b(: [a-z]|$)/;

/**
 * The names of the raw runtime messages in `text`, if any. A match the input itself holds is bosun quoting the
 * operator (a kind spelled "NaN"), not the runtime speaking.
 */
export function rawMessages(text: string, input = ''): string[] {
  const own = (re: RegExp) => [...text.matchAll(new RegExp(re.source, `${re.flags.replace('g', '')}g`))].some((m) => !input.includes(m[0]));
  const found = RAW_MESSAGES.filter(([re]) => own(re)).map(([, name]) => name);
  const errnoLine = text.split('\n').find((line) => ERRNO_WITHOUT_PATH.test(line) && !line.includes('/') && own(ERRNO_WITHOUT_PATH));
  if (errnoLine !== undefined) found.push(`errno without path: ${errnoLine.trim().slice(0, 120)}`);
  return found;
}

/**
 * The error a refused run printed: from its first `error:` line up to the usage text Commander prints after it
 * (the usage lists every flag, so it would name any flag whatever the error said). Empty when there is none.
 */
export function errorText(stderr: string, stdout: string): string {
  const all = `${stderr}\n${stdout}`;
  const start = all.search(/^error:/m);
  if (start < 0) return '';
  const rest = all.slice(start);
  const usage = rest.search(/^Usage: /m);
  return usage < 0 ? rest : rest.slice(0, usage);
}

/** Whether the error names one of the places the input came from (case-insensitive: `--Foo` and `foo` match). */
export function namesLocation(error: string, locations: string[]): boolean {
  const text = error.toLowerCase();
  return locations.some((l) => l !== '' && text.includes(l.toLowerCase()));
}

/** The secrets that appear in `text`. */
export function leakedSecrets(text: string, secrets: string[]): string[] {
  return secrets.filter((s) => s.length >= 8 && text.includes(s));
}

/** Every entry under `dir` with what a write would change: type, size, mode, mtime. Symlinks are not followed. */
export function snapshot(dir: string): Map<string, string> {
  const seen = new Map<string, string>();
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(d, name);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFIFO() ? 'p' : 'f';
      seen.set(path.relative(dir, p), `${type} ${type === 'd' ? '' : st.size} ${(st.mode & 0o7777).toString(8)} ${st.mtimeMs}`);
      if (type === 'd') walk(p);
    }
  };
  walk(dir);
  return seen;
}

/** The paths added, removed or changed between two snapshots. */
export function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [p, what] of after) if (before.get(p) !== what) changed.push(before.has(p) ? `changed ${p}` : `added ${p}`);
  for (const p of before.keys()) if (!after.has(p)) changed.push(`removed ${p}`);
  return changed.sort();
}
