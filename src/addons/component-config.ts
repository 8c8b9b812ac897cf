import { createHash } from 'node:crypto';
import { COMPONENT_CONFIG_HASH_ANNOTATION } from '../kube/labels.js';
import type { ConfigMap } from '../kube/objects.js';

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
