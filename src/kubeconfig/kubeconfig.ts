import { parseYaml } from '../util/yaml.js';

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

/** A kubeconfig as written, any entry possibly partial: what every reader of kubeconfig text starts from. */
export interface KubeconfigDoc {
  kind?: unknown;
  'current-context'?: string;
  clusters?: Array<{ name?: string; cluster?: Record<string, unknown> }>;
  contexts?: Array<{ name?: string; context?: { cluster?: string; user?: string; [field: string]: unknown } }>;
  users?: Array<{ name?: string; user?: Record<string, unknown> }>;
  [field: string]: unknown;
}

/** Parses kubeconfig text under the safe YAML limits; throws an Error saying what it is not, never quoting it. */
export function parseKubeconfig(text: string): KubeconfigDoc {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`is not YAML: ${(err as Error).message}`, { cause: err });
  }
  // client-go reads a kubeconfig without `kind`; another kind is not one.
  const kind = (doc as { kind?: unknown } | null)?.kind;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || (kind !== undefined && kind !== 'Config')) {
    throw new Error('is not a kubeconfig (kind: Config)');
  }
  return doc as KubeconfigDoc;
}

/** The user entry the current context names, if there is one. */
export function currentUser(doc: KubeconfigDoc): { name?: string; user?: Record<string, unknown> } | undefined {
  const name = doc.contexts?.find((c) => c.name === doc['current-context'])?.context?.user;
  return name ? doc.users?.find((u) => u.name === name) : undefined;
}

/**
 * What an existing kubeconfig's current context points at. The CA and client credentials may be embedded or files
 * (kubelet.conf after rotation, a discovery file); file paths are as written (relative to the kubeconfig's directory).
 */
export interface KubeconfigTarget {
  server: string;
  caCertPem?: string;
  /** `certificate-authority`: a CA file path instead of embedded data. */
  caFile?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  token?: string;
}

/**
 * Reads the current context of a kubeconfig (the first cluster when none is current; no user when the context
 * names none); throws an Error saying what is missing.
 */
export function readKubeconfigTarget(text: string): KubeconfigTarget {
  const doc = parseKubeconfig(text);
  const named = <K extends 'context' | 'cluster' | 'user'>(
    list: Array<{ name?: string } & Partial<Record<K, unknown>>> | undefined,
    name: string | undefined,
    what: K,
  ) => {
    const entries = Array.isArray(list) ? list : [];
    const entry = name === undefined ? entries[0] : entries.find((e) => e?.name === name);
    if (!entry) throw new Error(`has no ${what}${name === undefined ? '' : ` "${name}"`}`);
    return (entry[what] ?? {}) as Record<string, unknown>;
  };
  const current = doc['current-context'] || undefined;
  const context = current === undefined ? undefined : named(doc.contexts, current, 'context');
  const cluster = named(doc.clusters, typeof context?.cluster === 'string' ? context.cluster : undefined, 'cluster');
  // An empty user name is anonymous (a discovery file may carry no credentials).
  const user = context && context.user !== '' ? named(doc.users, typeof context.user === 'string' ? context.user : undefined, 'user') : {};
  const server = nonEmpty(cluster.server);
  if (!server) throw new Error('has no server for its cluster');
  const decode = (data: unknown) => (typeof data === 'string' && data ? Buffer.from(data, 'base64').toString('utf8') : undefined);
  return {
    server,
    caCertPem: decode(cluster['certificate-authority-data']),
    caFile: nonEmpty(cluster['certificate-authority']),
    clientCertPem: decode(user['client-certificate-data']),
    clientKeyPem: decode(user['client-key-data']),
    clientCertFile: nonEmpty(user['client-certificate']),
    clientKeyFile: nonEmpty(user['client-key']),
    token: nonEmpty(user.token),
  };
}

const nonEmpty = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
