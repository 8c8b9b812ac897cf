import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { COMPONENT_CONFIG_HASH_ANNOTATION } from '../kube/labels.js';
import type { ConfigMap } from '../kube/objects.js';
import { emitYaml, parseYaml } from '../util/yaml.js';

/**
 * kubeadm marks the component-config ConfigMaps it generated (kubelet-config, kube-proxy) with a hash of their
 * values (keys sorted); an upgrade regenerates only ConfigMaps whose hash still matches, i.e. nobody edited them.
 */
export function componentConfigHash(data: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(data).sort()) hash.update(data[key]);
  return `sha256:${hash.digest('hex')}`;
}

export function signConfigMap(cm: ConfigMap): ConfigMap {
  return { ...cm, metadata: { ...cm.metadata, annotations: { ...cm.metadata.annotations, [COMPONENT_CONFIG_HASH_ANNOTATION]: componentConfigHash(cm.data) } } };
}

/** Whether a ConfigMap read from the cluster still carries the hash of its own values. */
export function hasValidSignature(cm: { metadata: { annotations?: Record<string, string> }; data?: Record<string, string> }): boolean {
  const signature = cm.metadata.annotations?.[COMPONENT_CONFIG_HASH_ANNOTATION];
  return signature !== undefined && signature === componentConfigHash(cm.data ?? {});
}

/**
 * `kube-system/kubelet-config`'s `kubelet` document with `fields` set: the new data, and kubeadm's signature renewed
 * when the ConfigMap had a valid one (an edited one stays unsigned, so upgrades keep leaving it alone); undefined
 * when the document already says so.
 */
export function kubeletConfigWith(
  cm: ConfigMap | undefined,
  fields: Record<string, unknown>,
): { data: Record<string, string>; signature?: string } | undefined {
  const text = cm?.data?.kubelet;
  if (!cm || text === undefined) throw new UserError('ConfigMap kube-system/kubelet-config: not found, or no "kubelet" key (a cluster made by kubeadm has it)');
  const doc = parseYaml(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new UserError('ConfigMap kube-system/kubelet-config: key "kubelet" is not a YAML mapping');
  const current = doc as Record<string, unknown>;
  if (Object.entries(fields).every(([key, value]) => JSON.stringify(current[key]) === JSON.stringify(value))) return undefined;
  const data = { ...cm.data, kubelet: emitYaml({ ...current, ...fields }) };
  return { data, ...(hasValidSignature(cm) && { signature: componentConfigHash(data) }) };
}
