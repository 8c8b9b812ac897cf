import { ConfigError } from '../errors.js';
import { YAML_LIMITS, parseAllDocuments } from '../util/yaml.js';

/** One YAML document of a config file: its apiVersion and kind, and the body with null fields dropped. */
export interface ConfigDocument {
  /** 1-based position in the file, for messages. */
  position: number;
  apiVersion: string;
  kind: string;
  body: Record<string, unknown>;
}

/**
 * Splits a multi-document YAML file into documents, refusing hostile input before it can cost anything:
 * files over the size limit, nesting deeper than the limit (a quick scan before the parser sees it),
 * and alias expansion beyond the limit (billion laughs).
 */
export function parseDocuments(text: string, file: string): ConfigDocument[] {
  const size = Buffer.byteLength(text);
  if (size > YAML_LIMITS.maxBytes) {
    throw new ConfigError(file, undefined, undefined, `the file is ${size} bytes; a config file may have at most ${YAML_LIMITS.maxBytes} bytes`);
  }
  const deep = firstTooDeepLine(text, YAML_LIMITS.maxDepth);
  if (deep !== undefined) {
    throw new ConfigError(file, undefined, `line ${deep}`, `nesting is deeper than ${YAML_LIMITS.maxDepth} levels; refused`);
  }
  const documents: ConfigDocument[] = [];
  parseAllDocuments(text, { merge: true }).forEach((doc, i) => {
    const position = i + 1;
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      throw new ConfigError(file, undefined, at ? `line ${at.line}, column ${at.col}` : undefined, `invalid YAML: ${error.message.split('\n')[0]}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
    } catch (err) {
      if (!(err instanceof ReferenceError)) throw err;
      throw new ConfigError(file, `document ${position}`, undefined, `YAML aliases expand beyond the limit of ${YAML_LIMITS.maxAliasCount}; refused`);
    }
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing `---`
    if (!isPlainObject(value)) {
      throw new ConfigError(file, `document ${position}`, undefined, 'expected a mapping with apiVersion and kind');
    }
    if (depthOf(value) > YAML_LIMITS.maxDepth) {
      throw new ConfigError(file, `document ${position}`, undefined, `nesting is deeper than ${YAML_LIMITS.maxDepth} levels; refused`);
    }
    const { apiVersion, kind } = value;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
      throw new ConfigError(file, `document ${position}`, undefined, 'apiVersion and kind are required (strings), e.g. apiVersion: kubeadm.k8s.io/v1beta4, kind: InitConfiguration');
    }
    documents.push({ position, apiVersion, kind, body: dropNulls(value) as Record<string, unknown> });
  });
  return documents;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Go decodes `field: null` (or an empty `field:`) as "not set"; dropping such keys gives zod the same view.
 * Depth is bounded before this runs.
 */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, dropNulls(v)]));
}

/** Exact nesting depth of a parsed value, without recursion. */
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
 * configs do not stack 64 deep; the exact depth is checked again after parsing.
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
