import type { z } from 'zod';
import { ADDON_CONFIGURATION_API_VERSION, ADDON_CONFIGURATION_KIND, addonConfigurationSchema } from '../addons/requests.js';
import { ConfigError } from '../errors.js';
import { kubeletSchema, kubeProxySchema } from './component-schema.js';
import { clusterFromV1beta3, initFromV1beta3, joinFromV1beta3 } from './convert.js';
import { parseDocuments, type ConfigDocument } from './documents.js';
import { configError, zodProblems } from './issues.js';
import { quote } from '../errors.js';
import { kubeadmSchemas, type ClusterFile, type InitFile, type JoinFile } from './schema.js';
import {
  KUBEADM_V1BETA3,
  KUBEADM_V1BETA4,
  KUBELET_V1BETA1,
  KUBEPROXY_V1ALPHA1,
  type AddonRequest,
  type KubeProxyConfiguration,
  type KubeletConfiguration,
} from './types.js';

/** The documents of one config file, shape-checked, v1beta3 converted to v1beta4; defaults not yet applied. */
export interface ConfigFile {
  file: string;
  init?: InitFile;
  cluster?: ClusterFile;
  join?: JoinFile;
  kubelet?: Partial<KubeletConfiguration>;
  kubeProxy?: Partial<KubeProxyConfiguration>;
  /** bosun's AddonConfiguration: the addons besides CoreDNS and kube-proxy that init installs. */
  addons?: AddonRequest[];
  /** v1beta3 apiServer.timeoutForControlPlane, which v1beta4 keeps in Init/Join timeouts. */
  controlPlaneTimeout?: string;
}

const KUBEADM_GROUP = 'kubeadm.k8s.io';
const KUBEADM_KINDS = ['InitConfiguration', 'ClusterConfiguration', 'JoinConfiguration'] as const;
/** Known kubeadm kinds bosun does not act on yet: accepted and ignored, as kubeadm ignores other commands' kinds. */
const IGNORED_KINDS = new Set(['ResetConfiguration', 'UpgradeConfiguration']);
/** The kubeadm release that last read each retired API version (kubeadm's own table). */
const RETIRED_VERSIONS: Record<string, string> = {
  v1alpha1: 'v1.11',
  v1alpha2: 'v1.12',
  v1alpha3: 'v1.14',
  v1beta1: 'v1.15',
  v1beta2: 'v1.22',
};
const SUPPORTED = `${KUBEADM_V1BETA4} (or ${KUBEADM_V1BETA3}, converted on read), ${KUBELET_V1BETA1} KubeletConfiguration or ${KUBEPROXY_V1ALPHA1} KubeProxyConfiguration`;

export function readConfigText(text: string, file: string): ConfigFile {
  const config: ConfigFile = { file };
  const seen = new Map<string, number>();
  for (const doc of parseDocuments(text, file)) {
    const previous = seen.get(doc.kind);
    if (previous !== undefined) {
      throw new ConfigError(
        file,
        doc.kind,
        undefined,
        `the kind is specified twice (documents ${previous} and ${doc.position}); expected one document per kind`,
      );
    }
    seen.set(doc.kind, doc.position);
    readDocument(config, doc);
  }
  return config;
}

function readDocument(config: ConfigFile, doc: ConfigDocument): void {
  const { file } = config;
  const parts = doc.apiVersion.split('/');
  if (parts.length > 2) {
    throw new ConfigError(file, doc.kind, 'apiVersion', `${quote(doc.apiVersion)} is not group/version; expected e.g. ${KUBEADM_V1BETA4}`);
  }
  const [group, version] = parts.length === 2 ? parts : ['', doc.apiVersion];
  if (group === KUBEADM_GROUP) {
    if (RETIRED_VERSIONS[version]) {
      throw new ConfigError(
        file,
        doc.kind,
        'apiVersion',
        `${quote(doc.apiVersion)} is an old API version that bosun no longer reads; expected ${KUBEADM_V1BETA4}. Convert the file with kubeadm ${RETIRED_VERSIONS[version]}: kubeadm config migrate --old-config old.yaml --new-config new.yaml`,
      );
    }
    if (version !== 'v1beta4' && version !== 'v1beta3') {
      throw new ConfigError(file, doc.kind, 'apiVersion', `${quote(doc.apiVersion)} is not supported; expected ${KUBEADM_V1BETA4} (or ${KUBEADM_V1BETA3})`);
    }
    if (IGNORED_KINDS.has(doc.kind) && version === 'v1beta4') return;
    const kind = KUBEADM_KINDS.find((k) => k === doc.kind);
    if (!kind) {
      throw new ConfigError(file, doc.kind, 'kind', `${quote(doc.kind)} is not a ${doc.apiVersion} kind; expected one of ${KUBEADM_KINDS.join(', ')}`);
    }
    if (version === 'v1beta3') {
      const schemas = kubeadmSchemas.v1beta3;
      if (kind === 'InitConfiguration') config.init = initFromV1beta3(parse(schemas.InitConfiguration, doc, file));
      if (kind === 'JoinConfiguration') config.join = joinFromV1beta3(parse(schemas.JoinConfiguration, doc, file));
      if (kind === 'ClusterConfiguration') {
        const converted = clusterFromV1beta3(parse(schemas.ClusterConfiguration, doc, file));
        config.cluster = converted.cluster;
        config.controlPlaneTimeout = converted.controlPlaneTimeout;
      }
    } else {
      const schemas = kubeadmSchemas.v1beta4;
      if (kind === 'InitConfiguration') config.init = parse(schemas.InitConfiguration, doc, file);
      if (kind === 'JoinConfiguration') config.join = parse(schemas.JoinConfiguration, doc, file);
      if (kind === 'ClusterConfiguration') config.cluster = parse(schemas.ClusterConfiguration, doc, file);
    }
    return;
  }
  if (doc.apiVersion === KUBELET_V1BETA1 && doc.kind === 'KubeletConfiguration') {
    config.kubelet = { apiVersion: KUBELET_V1BETA1, kind: 'KubeletConfiguration', ...parse(kubeletSchema, doc, file) };
    return;
  }
  if (doc.apiVersion === KUBEPROXY_V1ALPHA1 && doc.kind === 'KubeProxyConfiguration') {
    config.kubeProxy = { apiVersion: KUBEPROXY_V1ALPHA1, kind: 'KubeProxyConfiguration', ...parse(kubeProxySchema, doc, file) };
    return;
  }
  if (doc.apiVersion === ADDON_CONFIGURATION_API_VERSION) {
    if (doc.kind !== ADDON_CONFIGURATION_KIND) {
      throw new ConfigError(
        file,
        doc.kind,
        'kind',
        `${quote(doc.kind)} is not a ${doc.apiVersion} kind of a config file; expected ${ADDON_CONFIGURATION_KIND}`,
      );
    }
    config.addons = parse(addonConfigurationSchema, doc, file).addons;
    return;
  }
  throw new ConfigError(file, doc.kind, 'apiVersion', `unknown apiVersion/kind ${quote(doc.apiVersion)} ${doc.kind}; expected ${SUPPORTED}`);
}

/** Shape-checks one document (apiVersion and kind removed); every problem names the file, kind and field. */
function parse<S extends z.ZodType>(schema: S, doc: ConfigDocument, file: string): z.output<S> {
  const { apiVersion: _apiVersion, kind: _kind, ...body } = doc.body;
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  throw configError(zodProblems(result.error, schema).map((p) => ({ ...p, file, kind: doc.kind })));
}
