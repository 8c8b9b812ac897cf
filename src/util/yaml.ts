import { Document, parse, parseAllDocuments, type ToStringOptions } from 'yaml';

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

export { parse as parseYaml, parseAllDocuments };
