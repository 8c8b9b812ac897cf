import { ConfigError } from '../errors.js';
import { parseYamlDocuments, YAML_LIMITS, YamlError } from '../util/yaml.js';
import { quote } from '../errors.js';
import { fieldPath } from './issues.js';

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
 * files over the size limit, then what the safe YAML parser refuses (nesting deeper than the limit, alias
 * expansion beyond it), reported against the file.
 */
export function parseDocuments(text: string, file: string): ConfigDocument[] {
  const size = Buffer.byteLength(text);
  if (size > YAML_LIMITS.maxBytes) {
    throw new ConfigError(file, undefined, undefined, `the file is ${size} bytes; a config file may have at most ${YAML_LIMITS.maxBytes} bytes`);
  }
  let values: unknown[];
  try {
    values = parseYamlDocuments(text, { plainIntegers: true });
  } catch (err) {
    throw err instanceof YamlError ? fileError(err, file) : err;
  }
  const documents: ConfigDocument[] = [];
  values.forEach((value, i) => {
    const position = i + 1;
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing `---`
    if (!isPlainObject(value)) {
      throw new ConfigError(file, `document ${position}`, undefined, 'expected a mapping with apiVersion and kind');
    }
    const { apiVersion, kind } = value;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
      throw new ConfigError(
        file,
        `document ${position}`,
        undefined,
        'apiVersion and kind are required (strings), e.g. apiVersion: kubeadm.k8s.io/v1beta4, kind: InitConfiguration',
      );
    }
    // The kind names the document in every message about it: a word, never text that could be anything.
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) {
      throw new ConfigError(file, `document ${position}`, 'kind', `${quote(kind)} is not a kind; expected e.g. InitConfiguration or ClusterConfiguration`);
    }
    documents.push({ position, apiVersion, kind, body: dropNulls(value) as Record<string, unknown> });
  });
  return documents;
}

/** A refusal of the YAML parser, placed as config errors are: at a line when it has one, else at its document. */
function fileError(err: YamlError, file: string): ConfigError {
  const { document, line, column, path } = err.where;
  if (err.problem === 'number') return new ConfigError(file, `document ${document}`, fieldPath(path ?? []), `${err.message} (line ${line}, column ${column})`);
  if (err.problem === 'syntax') return new ConfigError(file, undefined, line ? `line ${line}, column ${column}` : undefined, `invalid YAML: ${err.message}`);
  if (line !== undefined) return new ConfigError(file, undefined, `line ${line}`, err.message);
  return new ConfigError(file, `document ${document}`, undefined, err.message);
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
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, dropNulls(v)]),
  );
}
