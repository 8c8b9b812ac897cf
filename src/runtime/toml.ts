/** TOML in and out for the runtimes' configuration files: parsed to plain tables, edited, written back by the library. */
import { parse, stringify, TomlError } from 'smol-toml';
import { UserError } from '../errors.js';

export type TomlTable = Record<string, unknown>;

export const isTable = (value: unknown): value is TomlTable => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * The file's tables; a syntax error is a UserError naming the node file, line and column. The parser's message is
 * cut to its first line: the next ones quote the file, and a runtime's configuration may hold registry passwords.
 */
export function parseToml(text: string, file: string): TomlTable {
  try {
    return parse(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const what = err.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
    throw new UserError({ what: `not valid TOML at line ${err.line}, column ${err.column}: ${what}`, where: { file }, expected: 'a TOML file' });
  }
}

export const emitToml = (table: TomlTable): string => stringify(table);

/** The value at `keys`, undefined when any table on the way is missing. */
export function tomlValue(table: TomlTable, keys: readonly string[]): unknown {
  let value: unknown = table;
  for (const key of keys) value = isTable(value) ? value[key] : undefined;
  return value;
}

/** The table at `keys`, created (with any missing table on the way) when absent; a non-table in the way is the file's fault. */
export function tomlTable(table: TomlTable, keys: readonly string[], file: string): TomlTable {
  let current = table;
  for (const [i, key] of keys.entries()) {
    const next = current[key] ?? (current[key] = {});
    if (!isTable(next))
      throw new UserError({ what: `${tomlKeyPath(keys.slice(0, i + 1))} is not a table`, where: { file }, expected: 'a table ([...] section)' });
    current = next;
  }
  return current;
}

/** A dotted key as TOML writes it: `plugins."io.containerd.grpc.v1.cri".registry`. */
export const tomlKeyPath = (keys: readonly string[]): string => keys.map((key) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key))).join('.');
