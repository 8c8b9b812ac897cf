/** C0 and C1 controls, DEL, quotes and backslashes, line and paragraph separators, bidi overrides and marks. */
function unsafe(c: string): boolean {
  const n = c.codePointAt(0) ?? 0;
  return (
    n < 0x20 ||
    (n >= 0x7f && n <= 0x9f) ||
    c === '"' ||
    c === '\\' ||
    n === 0x2028 ||
    n === 0x2029 ||
    (n >= 0x202a && n <= 0x202e) ||
    (n >= 0x2066 && n <= 0x2069) ||
    n === 0xfeff
  );
}

/** Text a server sent, as a message may show it: quoted, cut to `max` characters, nothing in it can steer the terminal. */
export function shown(text: string, max: number): string {
  const chars = Array.from(text);
  const cut = chars.slice(0, max).map((c) => (unsafe(c) ? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}` : c));
  return `"${cut.join('')}${chars.length > max ? '…' : ''}"`;
}
