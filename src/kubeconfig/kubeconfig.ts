import { parseYaml, YAML_LIMITS } from '../util/yaml.js';

/** A kubeconfig (`kind: Config`) as kubeadm 1.37 writes it: keys in clientcmd's (alphabetical) order, no `preferences`. */
export interface Kubeconfig {
  apiVersion: 'v1';
  clusters: { cluster: { 'certificate-authority-data': string; server: string }; name: string }[];
  contexts: { context: { cluster: string; user: string }; name: string }[];
  'current-context': string;
  kind: 'Config';
  users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

export interface KubeconfigInput {
  clusterName: string;
  server: string;
  caCertPem: string;
  userName: string;
  clientCertPem: string;
  clientKeyPem: string;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** One cluster, one user, one context `<user>@<cluster>`; CA and client credentials embedded. */
export function buildKubeconfig(input: KubeconfigInput): Kubeconfig {
  const context = `${input.userName}@${input.clusterName}`;
  return {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(input.caCertPem), server: input.server }, name: input.clusterName }],
    contexts: [{ context: { cluster: input.clusterName, user: input.userName }, name: context }],
    'current-context': context,
    kind: 'Config',
    users: [
      {
        name: input.userName,
        user: { 'client-certificate-data': b64(input.clientCertPem), 'client-key-data': b64(input.clientKeyPem) },
      },
    ],
  };
}

/** What an existing kubeconfig's current context points at. Client credentials may be files (kubelet.conf after rotation). */
export interface KubeconfigTarget {
  server: string;
  caCertPem?: string;
  /** `certificate-authority`: a CA file path instead of embedded data. */
  caFile?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
}

/** Reads the current context of a kubeconfig; throws an Error saying what is missing. */
export function readKubeconfigTarget(text: string): KubeconfigTarget {
  const doc = parseYaml(text, { maxAliasCount: YAML_LIMITS.maxAliasCount }) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object' || doc.kind !== 'Config') throw new Error('is not a kubeconfig (kind: Config)');
  const named = (list: unknown, name: unknown, what: string) => {
    const entries = Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
    const entry = name === undefined ? entries[0] : entries.find((e) => e?.name === name);
    if (!entry) throw new Error(`has no ${what}${name === undefined ? '' : ` "${String(name)}"`}`);
    return (entry[what] ?? {}) as Record<string, string | undefined>;
  };
  const current = doc['current-context'] || undefined;
  const context = current === undefined ? undefined : named(doc.contexts, current, 'context');
  const cluster = named(doc.clusters, context?.cluster, 'cluster');
  const user = context ? named(doc.users, context.user, 'user') : {};
  if (!cluster.server) throw new Error('has no server for its cluster');
  const decode = (data: string | undefined) => (data ? Buffer.from(data, 'base64').toString('utf8') : undefined);
  return {
    server: cluster.server,
    caCertPem: decode(cluster['certificate-authority-data']),
    caFile: cluster['certificate-authority'],
    clientCertPem: decode(user['client-certificate-data']),
    clientKeyPem: decode(user['client-key-data']),
  };
}
