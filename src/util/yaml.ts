import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, type Scalar, type ToStringOptions } from 'yaml';
import { printable, quote } from '../errors.js';

/** The one YAML emitter: keys in the order objects were built (typed constructors fix it), no line folding. */
const EMIT: ToStringOptions = { lineWidth: 0, minContentWidth: 0, indentSeq: true };

/**
 * `goStyle`: as Go's sigs.k8s.io/yaml prints (kubeadm's `-o yaml`): lists not indented under their key, and YAML 1.1
 * scalars (timestamps, yes/no) quoted when they are strings.
 */
export function emitYaml(value: unknown, opts: { goStyle?: boolean } = {}): string {
  if (opts.goStyle) return new Document(value, { aliasDuplicateObjects: false, version: '1.1' }).toString({ ...EMIT, indentSeq: false });
  return new Document(value, { aliasDuplicateObjects: false }).toString(EMIT);
}

/** A multi-document stream, `---` between documents. */
export function emitYamlDocuments(values: unknown[]): string {
  return values.map((v) => emitYaml(v)).join('---\n');
}

/**
 * Limits that keep hostile input from costing time or memory: alias bombs and deep nesting are refused, not
 * expanded; size and entry count bound the parser's work (it spends some microseconds per entry and per
 * character of a quoted string), so anything within them parses in well under a second.
 */
export const YAML_LIMITS = { maxAliasCount: 50, maxDepth: 64, maxBytes: 1024 * 1024, maxEntries: 5_000 } as const;

/**
 * Merge keys (`<<`) resolve as Go's YAML decoders resolve them, for the files kubeadm users write. The parser's
 * own duplicate-key check compares every key with every earlier one (quadratic: 40k keys took 16 s); keys are
 * checked once each after parsing instead.
 */
const parseOptions = () => ({ merge: true, uniqueKeys: false, lineCounter: new LineCounter() });

export type YamlProblem = 'size' | 'depth' | 'aliases' | 'syntax' | 'number';

export interface YamlOptions {
  /**
   * Refuse integers not written as plain decimals (`0x1bb`, `1e3`, `0o17`, `0644`): Go's YAML 1.1 decoders read
   * some of them otherwise (`0644` is octal there, decimal here), so a value would mean one thing to bosun and
   * another to kubeadm.
   */
  plainIntegers?: boolean;
}

/**
 * Why a YAML text was refused, and where (1-based document, line and column, as far as known). The message never
 * quotes the text: kubeconfigs and manifests hold keys.
 */
export class YamlError extends Error {
  constructor(
    readonly problem: YamlProblem,
    message: string,
    readonly where: { document?: number; line?: number; column?: number; path?: PropertyKey[] } = {},
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
export function parseYamlDocuments(text: string, options: YamlOptions = {}): unknown[] {
  refuseBeforeParsing(text);
  const parse = parseOptions();
  return parseAllDocuments(text, parse).map((doc, i) => documentValue(doc, i + 1, parse.lineCounter, options));
}

/** One YAML document as a plain value, under the same limits (a stream of several documents is refused). */
export function parseYaml(text: string): unknown {
  refuseBeforeParsing(text);
  const parse = parseOptions();
  return documentValue(parseDocument(text, parse), 1, parse.lineCounter, {});
}

function refuseBeforeParsing(text: string): void {
  const size = Buffer.byteLength(text);
  if (size > YAML_LIMITS.maxBytes) throw new YamlError('size', `the text is ${size} bytes; YAML may have at most ${YAML_LIMITS.maxBytes} bytes`);
  const scan = scanStructure(text);
  if (scan?.problem === 'depth') throw new YamlError('depth', tooDeep, { line: scan.line });
  if (scan)
    throw new YamlError('size', `more than ${YAML_LIMITS.maxEntries} entries (lines or flow items); YAML may have at most that many`, { line: scan.line });
}

const tooDeep = `nesting is deeper than ${YAML_LIMITS.maxDepth} levels; refused`;

function documentValue(doc: Document.Parsed, document: number, lines: LineCounter, options: YamlOptions): unknown {
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    throw new YamlError('syntax', printable(syntaxMessage(error.message)), { document, line: at?.line, column: at?.col });
  }
  checkNodes(doc, document, lines, options);
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

/** A node of a parsed document, with the key path that leads to it (for messages). */
type Visit = [node: unknown, path: PropertyKey[]];

/**
 * One pass over the parsed nodes (iterative: depth is bounded only after this): duplicate keys in a mapping are
 * refused as the parser would (compared by value, merge keys `<<` aside), and, when asked, integers not written
 * as plain decimals.
 */
function checkNodes(doc: Document.Parsed, document: number, lines: LineCounter, options: YamlOptions): void {
  const at = (node: { range?: readonly number[] | null }, path: PropertyKey[]) => {
    const pos = node.range ? lines.linePos(node.range[0]) : undefined;
    return { document, line: pos?.line, column: pos?.col, path };
  };
  const stack: Visit[] = [[doc.contents, []]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (isAlias(node)) continue;
    if (isScalar(node)) {
      const problem = options.plainIntegers ? integerFormProblem(node.value, node.source) : undefined;
      if (problem) throw new YamlError('number', problem, at(node, path));
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push([item, [...path, i]]));
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        // Merge keys (`<<`, resolved to a symbol) may repeat, as the parser's own check lets them.
        const name = key === undefined || key === '<<' || typeof key === 'symbol' ? undefined : `${typeof key}:${String(key)}`;
        if (name !== undefined && seen.has(name)) {
          throw new YamlError('syntax', `the key ${quote(String(key))} is set twice in one mapping; keys must be unique`, at(pair.key as Scalar, path));
        }
        if (name !== undefined) seen.add(name);
        stack.push([pair.value, [...path, typeof key === 'string' ? key : String(key)]]);
      }
    }
  }
}

/** `0x1bb`, `1e3`, `0o17`, `0644`: an integer in another form than plain decimal. Fractions (`0.5`, `1.0`) pass. */
function integerFormProblem(value: unknown, source: string | undefined): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || source === undefined) return undefined;
  if (/^[-+]?(0|[1-9][0-9]*)(\.[0-9]*)?$/.test(source)) return undefined;
  return `${printable(source)} is an integer written as ${/^[-+]?0[xX]/.test(source) ? 'hexadecimal' : /[eE]/.test(source) ? 'a power of ten' : 'octal'}; expected a plain decimal integer (${value})`;
}

/**
 * Indentation levels the scan lets through to the parser: the lines of a block scalar (an embedded manifest or
 * script) count as levels of their own here, so the scan's bound is looser than maxDepth, and far below the
 * depth that overflows the parser's stack (about 900 levels).
 */
const MAX_INDENT_LEVELS = YAML_LIMITS.maxDepth * 4;

/**
 * A quick scan for what the parser should never see: more than maxEntries entries (lines with content, extra
 * dashes of `- - x`, items of flow collections), and nesting too deep: flow collections (`[[[[…`) counted
 * outside quotes and comments, chains of block-sequence dashes on one line (`- - - - …`), and levels of
 * indentation. Returns the first line where one exceeds its limit. It over-approximates (brackets inside plain
 * scalars, lines of block scalars), which real files do not push to the limits; the exact depth is checked again
 * after parsing.
 */
function scanStructure(text: string): { problem: 'depth' | 'entries'; line: number } | undefined {
  const { maxDepth, maxEntries } = YAML_LIMITS;
  let flow = 0;
  let entries = 0;
  let line = 1;
  let quote: '"' | "'" | undefined;
  let comment = false;
  let lineStart = true;
  let dashes = 0;
  let lineBegin = 0;
  const indents: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      comment = false;
      lineStart = true;
      dashes = 0;
      lineBegin = i + 1;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (lineStart) {
      if (c === ' ' || c === '\t' || c === '\r') continue;
      if (c === '-' && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        if (++dashes > maxDepth) return { problem: 'depth', line };
        if (++entries > maxEntries) return { problem: 'entries', line };
        i++;
        continue;
      }
      lineStart = false;
      if (c !== '#' && dashes === 0 && ++entries > maxEntries) return { problem: 'entries', line };
      if (c !== '#' && flow === 0 && indentLevels(indents, i - lineBegin) > MAX_INDENT_LEVELS) return { problem: 'depth', line };
    }
    const prev = text[i - 1];
    const afterSpace = prev === undefined || prev === ' ' || prev === '\t' || prev === '\n';
    if (c === '#' && afterSpace) comment = true;
    else if ((c === '"' || c === "'") && (afterSpace || prev === '[' || prev === '{' || prev === ',' || prev === ':')) quote = c;
    else if (c === '[' || c === '{') {
      if (++flow > maxDepth) return { problem: 'depth', line };
    } else if ((c === ']' || c === '}') && flow > 0) flow--;
    else if (c === ',' && flow > 0 && ++entries > maxEntries) return { problem: 'entries', line };
  }
  return undefined;
}

/** The levels of indentation open once a line's content starts at `column` (`indents`: the open ones' columns). */
function indentLevels(indents: number[], column: number): number {
  while (indents.length && indents[indents.length - 1] > column) indents.pop();
  if (!indents.length || indents[indents.length - 1] < column) indents.push(column);
  return indents.length;
}
