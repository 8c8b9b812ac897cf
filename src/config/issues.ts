import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/** One thing wrong with a document: the field path (`networking.serviceSubnet`) and what was expected. */
export interface Problem {
  field: string;
  problem: string;
}

/** Where a problem is reported: the file (undefined for flags) and the document kind, or a flag. */
export interface Located extends Problem {
  file?: string;
  kind?: string;
}

/** Fields whose values are secrets: messages about them never show the value. */
const SECRET_FIELDS = new Set(['token', 'tlsBootstrapToken', 'certificateKey']);

export function isSecretField(field: string): boolean {
  return SECRET_FIELDS.has(field.split(/[.[]/).at(-1) ?? '');
}

/** `['bootstrapTokens', 0, 'token']` -> `bootstrapTokens[0].token`; odd keys are quoted: `evictionHard["memory.available"]`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (!/^[A-Za-z_][\w-]*$/.test(name)) return `[${JSON.stringify(name)}]`;
      return i === 0 ? name : `.${name}`;
    })
    .join('');
}

/** A value as messages show it: strings quoted and cut short, lists and mappings by their kind. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number') return `the number ${value}`;
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  int: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/** Why the v1beta4 shape differs, for the fields people carry over from v1beta3. */
const V1BETA3_HINTS: Record<string, string> = {
  timeoutForControlPlane: 'v1beta4 moved it to InitConfiguration/JoinConfiguration timeouts.controlPlaneComponentHealthCheck',
  timeout: 'v1beta4 moved discovery.timeout to timeouts.discovery',
};

/** zod's issues as problems with field paths and plain-language expectations. */
export function zodProblems(error: z.ZodError, known: (path: readonly PropertyKey[]) => string[]): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    const field = fieldPath(issue.path);
    const input = (issue as { input?: unknown }).input;
    const got = (f: string) => (isSecretField(f) ? `got ${typeof input}` : `got ${describe(input)}`);
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({ field: fieldPath([...issue.path, key]), problem: unknownField(key, known(issue.path)) }));
      case 'invalid_type': {
        if (input === undefined) return [{ field, problem: `required field is missing; expected ${EXPECTED[issue.expected] ?? issue.expected}` }];
        const hint =
          issue.expected === 'array' && /(^|\.)(extraArgs|kubeletExtraArgs)$/.test(field) && typeof input === 'object'
            ? ' (in v1beta4 extra args are a list of {name, value}; v1beta3 used a mapping)'
            : issue.expected === 'string' && typeof input !== 'string' && typeof input !== 'object'
              ? ' (quote the value in YAML)'
              : '';
        return [{ field, problem: `expected ${EXPECTED[issue.expected] ?? issue.expected}, ${got(field)}${hint}` }];
      }
      case 'invalid_value': {
        const options = issue.values.filter((v) => v !== '').map((v) => JSON.stringify(v));
        const shown = isSecretField(field) ? 'the value' : describe(input);
        return [{ field, problem: `${shown} is not valid; expected one of ${options.join(', ')}` }];
      }
      default:
        return [{ field, problem: issue.message }];
    }
  });
}

function unknownField(key: string, known: string[]): string {
  const hint = V1BETA3_HINTS[key];
  if (hint && !known.includes(key)) return `unknown field "${key}" (${hint})`;
  const close = known.filter((name) => editDistance(name.toLowerCase(), key.toLowerCase()) <= Math.max(1, Math.floor(key.length / 4)));
  if (close.length) return `unknown field "${key}"; did you mean ${close.map((c) => `"${c}"`).join(' or ')}?`;
  return known.length && known.length <= 16 ? `unknown field "${key}"; expected one of ${known.join(', ')}` : `unknown field "${key}"`;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** The field names a (strict) zod schema accepts at `path`, for "did you mean" hints. */
export function knownFields(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  for (const key of [...path, undefined]) {
    // Unwrap optional/default/transform wrappers down to the object, array or record that holds `key`.
    for (;;) {
      const def = (node as { _zod?: { def: Record<string, unknown> } })?._zod?.def;
      if (!def) return [];
      if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') node = def.innerType;
      else if (def.type === 'pipe') node = def.in;
      else break;
    }
    const def = (node as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (key === undefined) return def.type === 'object' ? Object.keys(def.shape as object) : [];
    if (def.type === 'object') node = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === 'array') node = def.element;
    else if (def.type === 'record') node = def.valueType;
    else return [];
  }
  return [];
}

/**
 * One ConfigError for all problems (at least one): the first names file, kind and field; the rest follow
 * on their own lines in the same form, so an operator can fix everything in one go.
 */
export function configError(problems: Located[]): ConfigError {
  const [first, ...rest] = problems;
  const line = (p: Located) => new ConfigError(p.file, p.kind, p.field, p.problem).message;
  const more = rest.map((p) => `\n${line(p)}`).join('');
  return new ConfigError(first.file, first.kind, first.field, first.problem + more);
}
