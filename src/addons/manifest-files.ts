import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../cluster/cluster.js';

/**
 * The vendored upstream manifests (`manifests/` at the package root), read by path relative to it
 * (`flannel/v0.28.10/kube-flannel.yml`). The domain reads no files: a door provides this.
 */
export interface ManifestSource {
  read(relPath: string): Promise<string>;
}

/**
 * Every object of a vendored multi-document manifest, in file order; empty documents (a leading `---`, comments
 * only) are skipped. These are bosun's own files, shipped with it (some CRDs are over a megabyte): parsed without
 * the limits put on operators' input, but a document that is not an object is an error naming the file and document.
 */
export async function upstreamObjects(source: ManifestSource, relPath: string): Promise<KubeObject[]> {
  const text = await source.read(relPath);
  const objects: KubeObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    const where = `manifest ${relPath}, document ${i + 1}`;
    if (doc.errors.length) throw new Error(`${where}: ${doc.errors[0].message.split('\n')[0]}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (!isKubeObject(value)) throw new Error(`${where}: not a Kubernetes object (apiVersion, kind and metadata.name)`);
    objects.push(value);
  });
  return objects;
}

function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const metadata = v.metadata as Record<string, unknown> | undefined;
  return typeof v.apiVersion === 'string' && typeof v.kind === 'string' && typeof metadata?.name === 'string';
}

/** The one object of `kind` named `name` in a manifest's objects; a vendored file without it is a packaging error. */
export function objectNamed<T extends KubeObject>(objects: readonly KubeObject[], kind: string, name: string, relPath: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`manifest ${relPath}: no ${kind} ${name}`);
  return found as T;
}
