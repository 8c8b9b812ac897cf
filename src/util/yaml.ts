import { Document, parseAllDocuments, parseDocument, type ToStringOptions } from 'yaml';

/** The one YAML emitter: keys in the order objects were built (typed constructors fix it), no line folding. */
const EMIT: ToStringOptions = { lineWidth: 0, minContentWidth: 0, indentSeq: true };

export function emitYaml(value: unknown): string {
  return new Document(value, { aliasDuplicateObjects: false }).toString(EMIT);
}

/** A multi-document stream, `---` between documents. */
export function emitYamlDocuments(values: unknown[]): string {
  return values.map((v) => emitYaml(v)).join('---\n');
}

/** Limits that keep hostile input from expanding: alias bombs and deep nesting are refused, not expanded. */
export const YAML_LIMITS = { maxAliasCount: 50, maxDepth: 64, maxBytes: 4 * 1024 * 1024 } as const;

/** Merge keys (`<<`) resolve as Go's YAML decoders resolve them, for the files kubeadm users write. */
const PARSE = { merge: true } as const;

export type YamlProblem = 'size' | 'depth' | 'aliases' | 'syntax';

/**
 * Why a YAML text was refused, and where (1-based document, line and column, as far as known). The message never
 * quotes the text: kubeconfigs and manifests hold keys.
 */
export class YamlError extends Error {
  constructor(
    readonly problem: YamlProblem,
    message: string,
    readonly where: { document?: number; line?: number; column?: number } = {},
  ) {
    super(message);
    this.name = 'YamlError';
  }
}

/**
 * Every document of a YAML stream as plain values (null for an empty one), under YAML_LIMITS: text over the size
 * limit and nesting too deep for the parser are refused before parsing, alias expansion beyond the limit while
 * converting. Throws a YamlError.
 */
export function parseYamlDocuments(text: string): unknown[] {
  refuseBeforeParsing(text);
  return parseAllDocuments(text, PARSE).map((doc, i) => documentValue(doc, i + 1));
}

/** One YAML document as a plain value, under the same limits (a stream of several documents is refused). */
export function parseYaml(text: string): unknown {
  refuseBeforeParsing(text);
  return documentValue(parseDocument(text, PARSE), 1);
}

function refuseBeforeParsing(text: string): void {
  const size = Buffer.byteLength(text);
  if (size > YAML_LIMITS.maxBytes) throw new YamlError('size', `the text is ${size} bytes; YAML may have at most ${YAML_LIMITS.maxBytes} bytes`);
  const line = firstTooDeepLine(text, YAML_LIMITS.maxDepth);
  if (line !== undefined) throw new YamlError('depth', tooDeep, { line });
}

const tooDeep = `nesting is deeper than ${YAML_LIMITS.maxDepth} levels; refused`;

function documentValue(doc: Document.Parsed, document: number): unknown {
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    throw new YamlError('syntax', syntaxMessage(error.message), { document, line: at?.line, column: at?.col });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    throw new YamlError('aliases', `YAML aliases expand beyond the limit of ${YAML_LIMITS.maxAliasCount}; refused`, { document });
  }
  if (depthOf(value) > YAML_LIMITS.maxDepth) throw new YamlError('depth', tooDeep, { document });
  return value;
}

/**
 * The parser's message without the input it quotes: its first line only (the next ones show the source line), and
 * that cut before a quoted token, tag, directive or escape (`Unexpected scalar token in YAML stream: "…"` keeps
 * `Unexpected scalar token in YAML stream`), then its `at line L, column C`.
 */
function syntaxMessage(message: string): string {
  const first = message.split('\n')[0].replace(/:$/, '');
  const at = / at line \d+, column \d+$/.exec(first)?.[0] ?? '';
  return (
    first
      .slice(0, first.length - at.length)
      .replace(/["']quote/, 'quote')
      .split(/: |\s["'%!&*\\]/)[0] + at
  );
}

/** Exact nesting depth of a parsed value (stopping past the limit), without recursion. */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    max = Math.max(max, depth);
    if (max > YAML_LIMITS.maxDepth) return max;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return max;
}

/**
 * A quick scan for nesting the parser should never see: flow collections (`[[[[…`) counted outside quotes
 * and comments, and chains of block-sequence dashes on one line (`- - - - …`). Returns the first line
 * where either exceeds `limit`. It over-approximates only for brackets inside plain scalars, which real
 * files do not stack 64 deep; the exact depth is checked again after parsing.
 */
function firstTooDeepLine(text: string, limit: number): number | undefined {
  let flow = 0;
  let line = 1;
  let quote: '"' | "'" | undefined;
  let comment = false;
  let lineStart = true;
  let dashes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      comment = false;
      lineStart = true;
      dashes = 0;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (lineStart) {
      if (c === ' ' || c === '\t') continue;
      if (c === '-' && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        if (++dashes > limit) return line;
        i++;
        continue;
      }
      lineStart = false;
    }
    const prev = text[i - 1];
    const afterSpace = prev === undefined || prev === ' ' || prev === '\t' || prev === '\n';
    if (c === '#' && afterSpace) comment = true;
    else if ((c === '"' || c === "'") && (afterSpace || prev === '[' || prev === '{' || prev === ',' || prev === ':')) quote = c;
    else if (c === '[' || c === '{') {
      if (++flow > limit) return line;
    } else if ((c === ']' || c === '}') && flow > 0) flow--;
  }
  return undefined;
}
