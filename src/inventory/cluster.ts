/**
 * The cluster file as `bosun apply` reads it: the hosts (inventory.ts) and the cluster's kubeadm configuration,
 * inline under `spec.kubeadm` (a list of documents) or in a file named by `spec.kubeadmConfig` (relative to the
 * cluster file). The documents go through bosun's config reader, so a problem names the file, the document's kind
 * and the field, as for `bosun init --config`.
 *
 *   spec:
 *     hosts: [...]
 *     kubeadm:
 *       - apiVersion: kubeadm.k8s.io/v1beta4
 *         kind: ClusterConfiguration
 *         kubernetesVersion: v1.36.3
 *         networking: {podSubnet: 10.244.0.0/16}
 *       - apiVersion: kubelet.config.k8s.io/v1beta1
 *         kind: KubeletConfiguration
 *         cgroupDriver: systemd
 */
import path from 'node:path';
import type { AddonRequest } from '../config/types.js';
import type { ConfigFile } from '../config/read.js';
import { readConfigText } from '../config/read.js';
import { buildInitConfig } from '../config/resolve.js';
import { ConfigError, UserError } from '../errors.js';
import { readText, type Host } from '../host/host.js';
import { emitYamlDocuments } from '../util/yaml.js';
import { DEFAULT_KUBERNETES_VERSION } from '../versions/pinned.js';
import { CLUSTER_KIND, parseClusterDocument, type InventoryHost } from './inventory.js';

/** What one cluster file says: its hosts in the file's order, and the kubeadm documents shared by every host. */
export interface ClusterDefinition {
  file: string;
  hosts: InventoryHost[];
  /** Shape-checked and validated; defaults not applied (each host's configuration is resolved from it). */
  kubeadm: ConfigFile;
  /** `spec.addons`: installed in this order once the nodes converge. */
  addons: AddonRequest[];
}

/** The Kubernetes version the cluster file names (its ClusterConfiguration's), or bosun's default. */
export const kubernetesVersion = (def: Pick<ClusterDefinition, 'kubeadm'>): string => def.kubeadm.cluster?.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;

/** Per-host settings the cluster file's hosts give: set in a kubeadm document they would apply to every host. */
const PER_HOST_FIELDS: Record<string, { field: string; why: string }[]> = {
  InitConfiguration: [{ field: 'nodeRegistration.name', why: "each node's name is its host's name in spec.hosts" }],
  JoinConfiguration: [
    { field: 'nodeRegistration.name', why: "each node's name is its host's name in spec.hosts" },
    { field: 'discovery', why: 'bosun apply makes a bootstrap token for each run and discovers the cluster with it' },
    { field: 'controlPlane', why: 'a host joins as a control-plane node when its role in spec.hosts says so' },
  ],
};

function refusePerHostFields(kubeadm: ConfigFile): void {
  const docs: Record<string, object | undefined> = { InitConfiguration: kubeadm.init, JoinConfiguration: kubeadm.join };
  for (const [kind, fields] of Object.entries(PER_HOST_FIELDS)) {
    for (const { field, why } of fields) {
      const value = field.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], docs[kind]);
      if (value !== undefined) throw new ConfigError(kubeadm.file, kind, field, `not set in the cluster file's kubeadm configuration: ${why}`);
    }
  }
}

/**
 * Validates a cluster file for `bosun apply`. `referenced` reads `spec.kubeadmConfig` (a path already resolved
 * against the cluster file's directory). Every error names the file, and the host, document or field.
 */
export async function parseClusterFile(text: string, file: string, referenced: (file: string) => Promise<ConfigFile>): Promise<ClusterDefinition> {
  const doc = parseClusterDocument(text, file);
  if (doc.kubeadm && doc.kubeadmConfig) {
    throw new ConfigError(file, CLUSTER_KIND, 'spec.kubeadmConfig', 'give the kubeadm configuration once: inline in spec.kubeadm or as a file, not both');
  }
  if (!doc.hosts.some((h) => h.role === 'control-plane')) {
    const names = doc.hosts.map((h) => h.name).join(', ');
    throw new ConfigError(file, CLUSTER_KIND, 'spec.hosts', `no host has role control-plane (${names}: all workers); a cluster needs at least one`);
  }
  const kubeadm = doc.kubeadmConfig
    ? await referenced(path.resolve(path.dirname(file), doc.kubeadmConfig))
    : doc.kubeadm
      ? readConfigText(emitYamlDocuments(doc.kubeadm), `${file} (spec.kubeadm)`)
      : { file };
  refusePerHostFields(kubeadm);
  // The shared documents are checked as `bosun init --config` checks them, before any host is reached.
  buildInitConfig({ ...kubeadm, cluster: kubeadm.cluster ?? {} }, {});
  return { file, hosts: doc.hosts, kubeadm, addons: doc.addons ?? [] };
}

/** Reads and validates the cluster file `file` (and the kubeadm file it names) on the operator's machine `local`. */
export async function readClusterFile(local: Host, file: string, flag = '-f'): Promise<ClusterDefinition> {
  const text = await readText(local, path.resolve(file));
  if (text === undefined) throw new UserError(`${flag} ${file}: file not found`);
  const { loadConfigFile } = await import('../config/load.js');
  return parseClusterFile(text, file, (referenced) => loadConfigFile(local, referenced, `${file}: spec.kubeadmConfig`));
}
