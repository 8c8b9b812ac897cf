import { ConfigError } from '../errors.js';
import { emitYamlDocuments, parseYamlDocuments, YamlError } from '../util/yaml.js';

type Doc = Record<string, unknown> & { apiVersion?: string; kind?: string };

/** The sandbox's pod network: kwok hands simulated pods addresses from it. */
export const SANDBOX_POD_SUBNET = '10.244.0.0/16';

/** The configuration `up` uses without --config: a plain kubeadm v1beta4 cluster. */
function defaultDocuments(version: string): Doc[] {
  return [
    { apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'InitConfiguration' },
    { apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'ClusterConfiguration', kubernetesVersion: version, networking: { podSubnet: SANDBOX_POD_SUBNET } },
  ];
}

function parseDocuments(file: string, text: string): Doc[] {
  let values: unknown[];
  try {
    values = parseYamlDocuments(text);
  } catch (err) {
    throw err instanceof YamlError ? new ConfigError(file, undefined, `document ${err.where.document ?? 1}`, err.message) : err;
  }
  return values.map((v, i) => {
    const value = v as Doc | null;
    if (!value || typeof value !== 'object') throw new ConfigError(file, undefined, `document ${i + 1}`, 'expected a mapping');
    return value;
  });
}

const isKubeadm = (d: Doc) => typeof d.apiVersion === 'string' && d.apiVersion.startsWith('kubeadm.k8s.io/');

/** The Kubernetes version a user's config asks for, if any. */
export function configVersion(file: string, text: string): string | undefined {
  const cluster = parseDocuments(file, text).find((d) => isKubeadm(d) && d.kind === 'ClusterConfiguration');
  return cluster?.kubernetesVersion as string | undefined;
}

/**
 * The config `bosun init` gets on the sandbox's control-plane node: the user's documents (or the
 * default) with this node's name, address and CRI socket (a Docker node's), and the version whose binaries the sandbox provided.
 */
export function sandboxInitConfig(opts: { file?: string; text?: string; version: string; nodeName: string; address: string; criSocket?: string }): string {
  const docs = opts.text === undefined ? defaultDocuments(opts.version) : parseDocuments(opts.file!, opts.text);
  const apiVersion = docs.find(isKubeadm)?.apiVersion ?? 'kubeadm.k8s.io/v1beta4';
  let init = docs.find((d) => isKubeadm(d) && d.kind === 'InitConfiguration');
  if (!init) docs.unshift((init = { apiVersion, kind: 'InitConfiguration' }));
  let cluster = docs.find((d) => isKubeadm(d) && d.kind === 'ClusterConfiguration');
  if (!cluster) docs.push((cluster = { apiVersion, kind: 'ClusterConfiguration' }));
  if (cluster.kubernetesVersion !== undefined && cluster.kubernetesVersion !== opts.version) {
    throw new ConfigError(
      opts.file,
      'ClusterConfiguration',
      'kubernetesVersion',
      `${String(cluster.kubernetesVersion)} differs from --version ${opts.version}; give one of them`,
    );
  }
  cluster.kubernetesVersion = opts.version;
  // A stable endpoint lets control-plane nodes join (bosun sandbox join --control-planes): the first node's address.
  cluster.controlPlaneEndpoint ??= `${opts.address}:6443`;
  init.localAPIEndpoint = { ...(init.localAPIEndpoint as object), advertiseAddress: opts.address };
  init.nodeRegistration = { ...(init.nodeRegistration as object), name: opts.nodeName, ...(opts.criSocket && { criSocket: opts.criSocket }) };
  return emitYamlDocuments(docs);
}
