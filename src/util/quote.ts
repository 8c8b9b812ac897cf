/**
 * Text from the input (a config value, a key, a parser's message) as messages may show it: control characters
 * (C0, DEL, C1, line and paragraph separators) escaped as `\u001b`, so nothing from a file reaches the terminal
 * raw; longer than `max` characters, cut short with `...`.
 */
export function printable(text: string, max = 120): string {
  const shown = text.length > max ? `${text.slice(0, max - 3)}...` : text;
  return shown.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value from the input in double quotes, as JSON writes strings (`"a\"b"`), made printable and cut at 80 characters. */
export function quote(value: string): string {
  return printable(JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value), Infinity);
}
