import type { z } from 'zod';
import { ConfigError, quote } from '../errors.js';

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

function isSecretField(field: string): boolean {
  return SECRET_FIELDS.has(field.split(/[.[]/).at(-1) ?? '');
}

/** `['bootstrapTokens', 0, 'token']` -> `bootstrapTokens[0].token`; odd keys are quoted: `evictionHard["memory.available"]`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      if (!/^[A-Za-z_][\w-]*$/.test(name) || name.length > 80) return `[${quote(name)}]`;
      return i === 0 ? name : `.${name}`;
    })
    .join('');
}

/** A value as messages show it: strings quoted safely and cut short, lists and mappings by their kind. */
function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value);
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

/** Where v1beta4 moved the fields people carry over from v1beta3 (by field path). */
const V1BETA3_HINTS: Record<string, string> = {
  'apiServer.timeoutForControlPlane': 'v1beta4 moved it to InitConfiguration/JoinConfiguration timeouts.controlPlaneComponentHealthCheck',
  'discovery.timeout': 'v1beta4 moved it to timeouts.discovery',
};

/** zod's issues as problems with field paths and plain-language expectations. */
export function zodProblems(error: z.ZodError, schema: z.ZodType): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    const field = fieldPath(issue.path);
    const input = (issue as { input?: unknown }).input;
    const got = (f: string) => (isSecretField(f) ? `got ${typeof input}` : `got ${describe(input)}`);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownFields(schema, issue.path);
        // Suggestions cost an edit distance per known field: only for the keys an error lists.
        return issue.keys.map((key, i) => {
          const at = fieldPath([...issue.path, key]);
          return { field: at, problem: unknownField(key, i < MAX_LISTED_PROBLEMS ? known : [], V1BETA3_HINTS[at]) };
        });
      }
      case 'invalid_type': {
        // zod reports "number" for a non-number given to an integer field.
        const type = issue.expected === 'number' && (schemaAt(schema, issue.path) as { isInt?: boolean } | undefined)?.isInt ? 'int' : issue.expected;
        const expected = EXPECTED[type] ?? type;
        if (input === undefined) return [{ field, problem: `required field is missing; expected ${expected}` }];
        const hint =
          issue.expected === 'array' && /(^|\.)(extraArgs|kubeletExtraArgs)$/.test(field) && typeof input === 'object'
            ? ' (in v1beta4 extra args are a list of {name, value}; v1beta3 used a mapping)'
            : issue.expected === 'string' && typeof input !== 'string' && typeof input !== 'object'
              ? ' (quote the value in YAML)'
              : '';
        return [{ field, problem: `expected ${expected}, ${got(field)}${hint}` }];
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

function unknownField(key: string, known: string[], moved?: string): string {
  const unknown = `unknown field ${quote(key)}`;
  if (moved) return `${unknown} (${moved})`;
  // No field name is longer than this: a longer key gets no suggestion (nor its quadratic cost).
  const close = key.length > 64 ? [] : known.filter((name) => editDistance(name.toLowerCase(), key.toLowerCase()) <= Math.max(1, Math.floor(key.length / 4)));
  if (close.length) return `${unknown}; did you mean ${close.map((c) => `"${c}"`).join(' or ')}?`;
  return known.length && known.length <= 16 ? `${unknown}; expected one of ${known.join(', ')}` : unknown;
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

/** The schema that checks the value at `path`, through optional/default/transform wrappers. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let node: unknown = schema;
  for (const key of [...path, undefined]) {
    for (;;) {
      const def = (node as { _zod?: { def: Record<string, unknown> } } | undefined)?._zod?.def;
      if (!def) return undefined;
      if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable') node = def.innerType;
      else if (def.type === 'pipe') node = def.in;
      else break;
    }
    if (key === undefined) return node as z.ZodType;
    const def = (node as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === 'object') node = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === 'array') node = def.element;
    else if (def.type === 'record') node = def.valueType;
    else return undefined;
  }
  return undefined;
}

/** The field names a strict object schema accepts at `path`, for "did you mean" hints. */
function knownFields(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const def = (schemaAt(schema, path) as { _zod?: { def: { type: string; shape?: object } } } | undefined)?._zod?.def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** How many problems one error lists: enough to fix a file in one go, few enough to read (a hostile file has thousands). */
export const MAX_LISTED_PROBLEMS = 10;

/**
 * One ConfigError for all problems (at least one): the first names file, kind and field; the next ones follow
 * on their own lines in the same form, so an operator can fix everything in one go; past MAX_LISTED_PROBLEMS,
 * only how many more there are.
 */
export function configError(problems: Located[]): ConfigError {
  const [first, ...rest] = problems;
  const line = (p: Located) => new ConfigError(p.file, p.kind, p.field, p.problem).message;
  const listed = rest.slice(0, MAX_LISTED_PROBLEMS - 1);
  const unlisted = rest.length - listed.length;
  const more = listed.map((p) => `\n${line(p)}`).join('') + (unlisted ? `\n... and ${unlisted} more problem${unlisted === 1 ? '' : 's'}` : '');
  return new ConfigError(first.file, first.kind, first.field, first.problem + more);
}
