import { quote } from '../errors.js';

/**
 * Go's time.Duration text form, as kubeadm reads and writes it (`8760h`, `1h30m`, `87600h0m0s`, `1.5s`, `300ms`).
 * Values are nanoseconds in a bigint: 87600h does not fit a double's exact range.
 */
const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_NS = (1n << 63n) - 1n;
const SECOND = 1_000_000_000n;

export const DURATION_EXAMPLES = '"8760h", "1h30m", "87600h0m0s", "90s"';

/** Parses like Go's time.ParseDuration; undefined when `text` is not a duration. */
export function parseDuration(text: string): bigint | undefined {
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  while (rest !== '') {
    const match = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(rest);
    if (!match || (match[1] === '' && (match[2] ?? '') === '')) return undefined;
    const [whole, intPart, fracPart = '', unit] = match;
    const scale = UNIT_NS[unit];
    if (scale === undefined) return undefined;
    let value = BigInt(intPart || '0') * scale;
    if (fracPart !== '') value += (BigInt(fracPart) * scale) / 10n ** BigInt(fracPart.length);
    total += value;
    if (total > MAX_NS) return undefined;
    rest = rest.slice(whole.length);
  }
  return negative ? -total : total;
}

/** Formats like Go's Duration.String(): `8760h0m0s`, `1m30s`, `1.5s`, `300ms`, `0s`. */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u < SECOND) {
    if (u < 1_000n) return `${sign}${u}ns`;
    if (u < 1_000_000n) return `${sign}${fraction(u, 3)}µs`;
    return `${sign}${fraction(u, 6)}ms`;
  }
  const minutes = u / SECOND / 60n;
  let text = `${fraction(u % (60n * SECOND), 9)}s`;
  if (minutes > 0n) text = `${minutes % 60n}m${text}`;
  if (minutes >= 60n) text = `${minutes / 60n}h${text}`;
  return sign + text;
}

/** `value / 10^digits` as a decimal with trailing zeros of the fraction dropped. */
function fraction(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const frac = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${value / scale}${frac ? `.${frac}` : ''}`;
}

/** Normalizes a duration to Go's form (`8760h` -> `8760h0m0s`); undefined when it is not one. */
export function normalizeDuration(text: string): string | undefined {
  const ns = parseDuration(text);
  return ns === undefined ? undefined : formatDuration(ns);
}

/** Milliseconds, for timers and certificate lifetimes (sub-millisecond parts are dropped). */
export function durationMs(text: string): number {
  const ns = parseDuration(text);
  if (ns === undefined) throw new Error(`${quote(text)} is not a duration (expected e.g. ${DURATION_EXAMPLES})`);
  return Number(ns / 1_000_000n);
}
