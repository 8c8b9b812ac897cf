/**
 * Manifest files scanned as the cluster's Pods are: every document's Pod template (a Pod's spec, a workload's
 * `spec.template`, a CronJob's `spec.jobTemplate.spec.template`, a PodTemplate's `template`), and each item of a
 * List, named by file, document and item.
 */
import { UserError } from '../errors.js';
import { parseYamlDocuments, YamlError } from '../util/yaml.js';
import { podSpecDependencies, type PodSpecLike } from './docker-dependencies.js';
import { summarize, type ManifestSource, type WorkloadFinding } from './workloads.js';

type Doc = Record<string, unknown>;

const isRecord = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);

function at(value: unknown, ...path: string[]): unknown {
  let here = value;
  for (const step of path) here = isRecord(here) ? here[step] : undefined;
  return here;
}

/** The Pod spec a document describes, wherever its kind keeps it; undefined for a document without one. */
export function podSpecOf(doc: Doc): PodSpecLike | undefined {
  const candidates =
    doc.kind === 'Pod'
      ? [at(doc, 'spec')]
      : [at(doc, 'spec', 'template', 'spec'), at(doc, 'spec', 'jobTemplate', 'spec', 'template', 'spec'), at(doc, 'template', 'spec')];
  const spec = candidates.find(isRecord);
  return spec as PodSpecLike | undefined;
}

function documentFinding(doc: Doc, source: ManifestSource): WorkloadFinding | undefined {
  const spec = podSpecOf(doc);
  const dependencies = spec ? podSpecDependencies(spec) : [];
  if (!dependencies.length) return undefined;
  const name = at(doc, 'metadata', 'name');
  const namespace = at(doc, 'metadata', 'namespace');
  return {
    kind: typeof doc.kind === 'string' ? doc.kind : '?',
    namespace: typeof namespace === 'string' ? namespace : undefined,
    name: typeof name === 'string' ? name : '?',
    ...summarize(dependencies),
    source,
  };
}

/** What a manifest file's documents tie to Docker. A file that is not YAML or JSON is an error naming it and the document. */
export function manifestFindings(file: string, text: string): WorkloadFinding[] {
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text);
  } catch (err) {
    if (!(err instanceof YamlError)) throw err;
    const where = [err.where.document && `document ${err.where.document}`, err.where.line && `line ${err.where.line}`].filter(Boolean).join(', ');
    throw new UserError({ what: err.message, where: { flag: '--filename', file, document: where || undefined }, expected: 'YAML or JSON manifests' });
  }
  const found: WorkloadFinding[] = [];
  docs.forEach((doc, i) => {
    if (!isRecord(doc)) return;
    const document = i + 1;
    const items = Array.isArray(doc.items) && typeof doc.kind === 'string' && doc.kind.endsWith('List') ? doc.items : undefined;
    const findings = items
      ? items.map((item, index) => (isRecord(item) ? documentFinding(item, { file, document, item: index }) : undefined))
      : [documentFinding(doc, { file, document })];
    found.push(...findings.filter((f): f is WorkloadFinding => f !== undefined));
  });
  return found;
}

/** The file names a manifest scan reads in a directory: YAML and JSON, as `kubectl apply -f DIR` does. */
export const isManifestFile = (name: string): boolean => /\.(ya?ml|json)$/i.test(name);
