/**
 * What bosun applied for each addon, kept in the cluster (ConfigMap kube-system/bosun-addons, one key per addon):
 * `bosun addon list` reads it to tell bosun's addons from others, `remove` deletes exactly what it lists.
 */
import type { Cluster, ObjectRef } from '../cluster/cluster.js';
import { UserError } from '../errors.js';
import { configMap, type ConfigMap } from '../kube/objects.js';
import { emitYaml, parseYaml } from '../util/yaml.js';

export const ADDON_RECORD: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'bosun-addons' };

export interface AddonRecord {
  version: string;
  /** When the objects were last applied (RFC 3339). */
  appliedAt: string;
  /** In the order they were applied. */
  objects: ObjectRef[];
}

const refKey = (ref: ObjectRef) => `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;

/** A ref with only its four fields, namespace left out when there is none (as the record writes it). */
export function plainRef(ref: ObjectRef): ObjectRef {
  return { apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace && { namespace: ref.namespace }), name: ref.name };
}

export function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return refKey(a) === refKey(b);
}

function isRef(value: unknown): value is ObjectRef {
  const r = value as Record<string, unknown> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.apiVersion === 'string' &&
    typeof r.kind === 'string' &&
    typeof r.name === 'string' &&
    (r.namespace === undefined || typeof r.namespace === 'string')
  );
}

/** One key's value; a value bosun did not write is an error naming the key, not an empty record to act on. */
export function parseAddonRecord(addon: string, text: string): AddonRecord {
  const where = `ConfigMap ${ADDON_RECORD.namespace}/${ADDON_RECORD.name}: key ${addon}`;
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new UserError(`${where}: not YAML (${(err as Error).message}); expected {version, appliedAt, objects}`);
  }
  const v = value as Partial<AddonRecord> | null;
  if (!v || typeof v.version !== 'string' || !Array.isArray(v.objects) || !v.objects.every(isRef)) {
    throw new UserError(`${where}: expected {version, appliedAt, objects: [{apiVersion, kind, namespace?, name}]}`);
  }
  return { version: v.version, appliedAt: String(v.appliedAt ?? ''), objects: v.objects.map(plainRef) };
}

/** Every addon's record, by name (none when the ConfigMap is not there). */
export async function readAddonRecords(cluster: Cluster): Promise<Map<string, AddonRecord>> {
  const cm = await cluster.get<ConfigMap>(ADDON_RECORD);
  return new Map(Object.entries(cm?.data ?? {}).map(([addon, text]) => [addon, parseAddonRecord(addon, text)]));
}

/**
 * The record after a plan ran: what earlier runs applied and this one did not delete, in the order they were
 * first applied, then what this run applied for the first time. An object a run leaves out (a kept Corefile) is
 * still there and still bosun's to remove; a plan run again leaves the record as it was.
 */
export function nextRecord(previous: AddonRecord | undefined, version: string, appliedAt: string, applied: ObjectRef[], deleted: ObjectRef[]): AddonRecord {
  const gone = new Set(deleted.map(refKey));
  const objects = new Map((previous?.objects ?? []).filter((ref) => !gone.has(refKey(ref))).map((ref) => [refKey(ref), ref]));
  for (const ref of applied) if (!objects.has(refKey(ref))) objects.set(refKey(ref), plainRef(ref));
  return { version, appliedAt, objects: [...objects.values()] };
}

/** Equal but for when: rewriting it would change the ConfigMap (and its resourceVersion) for nothing. */
function sameContent(a: AddonRecord, b: AddonRecord): boolean {
  return a.version === b.version && a.objects.length === b.objects.length && a.objects.every((ref, i) => sameRef(ref, b.objects[i]));
}

/**
 * Writes one addon's record, or drops its key when nothing bosun applied is left; changes nothing when the
 * record says the same already. A merge patch on the key alone (conditional on the resourceVersion read) keeps the
 * other addons' keys, which a concurrent run may be writing.
 */
export async function writeAddonRecord(cluster: Cluster, addon: string, record: AddonRecord): Promise<'written' | 'dropped' | 'unchanged'> {
  const cm = await cluster.get<ConfigMap>(ADDON_RECORD);
  const text = cm?.data?.[addon];
  const previous = text === undefined ? undefined : parseAddonRecord(addon, text);
  const drop = record.objects.length === 0;
  if (drop ? previous === undefined : previous && sameContent(previous, record)) return 'unchanged';
  // No ConfigMap means no previous record, so this is a write, never a drop.
  if (!cm) {
    await cluster.apply(configMap(ADDON_RECORD.namespace!, ADDON_RECORD.name, { [addon]: emitYaml(record) }));
    return 'written';
  }
  await cluster.patch(ADDON_RECORD, { metadata: { resourceVersion: cm.metadata.resourceVersion }, data: { [addon]: drop ? null : emitYaml(record) } });
  return drop ? 'dropped' : 'written';
}
