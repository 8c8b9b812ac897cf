import type { ClusterFile } from '../../config/schema.js';
import { KUBEADM_V1BETA4, KUBELET_V1BETA1, type KubeletConfiguration } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { parseYaml } from '../../util/yaml.js';

/**
 * The configuration documents a cluster stores (kube-system/kubeadm-config and kubelet-config), decoded as kubeadm
 * decodes them: leniently, since they were validated when they were uploaded. A ClusterConfiguration of an older
 * API version goes through the config reader, which converts it; the reader's schemas are loaded only then.
 */
function document(text: string, source: string, kind: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UserError(`${source}: not YAML: ${String((err as Error).message).split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || (doc as { kind?: unknown }).kind !== kind) throw new UserError(`${source}: expected a ${kind}`);
  return doc as Record<string, unknown>;
}

export async function storedClusterConfiguration(text: string, source: string): Promise<ClusterFile> {
  const { apiVersion, kind: _kind, ...fields } = document(text, source, 'ClusterConfiguration');
  if (apiVersion === KUBEADM_V1BETA4) return fields as ClusterFile;
  const { readConfigText } = await import('../../config/read.js');
  return readConfigText(text, source).cluster ?? {};
}

export function storedKubeletConfiguration(text: string, source: string): Partial<KubeletConfiguration> {
  const doc = document(text, source, 'KubeletConfiguration');
  if (doc.apiVersion !== KUBELET_V1BETA1) throw new UserError(`${source}: expected ${KUBELET_V1BETA1}, got ${String(doc.apiVersion)}`);
  return doc as Partial<KubeletConfiguration>;
}
