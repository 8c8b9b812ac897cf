import { quote } from '../errors.js';
import { parseYaml, YamlError } from '../util/yaml.js';

/** The credentials a kubeconfig's user holds, under clientcmd's names. */
export interface KubeconfigUser {
  'client-certificate-data'?: string;
  'client-key-data'?: string;
  token?: string;
}

/**
 * A kubeconfig (`kind: Config`) as kubeadm 1.37 writes it: keys in clientcmd's (alphabetical) order, no `preferences`.
 * The CA and the client certificate are absent only from the partial kubeconfigs made for an external CA to sign.
 */
export interface Kubeconfig {
  apiVersion: 'v1';
  clusters: { cluster: { 'certificate-authority-data'?: string; server: string }; name: string }[];
  contexts: { context: { cluster: string; user: string }; name: string }[];
  'current-context': string;
  kind: 'Config';
  users: { name: string; user: KubeconfigUser }[];
}

/** A client certificate and its key (the certificate absent while an external CA has yet to sign it), or a token. */
export type KubeconfigCredentials = { clientCertPem?: string; clientKeyPem: string } | { token: string };

export interface KubeconfigInput {
  clusterName: string;
  server: string;
  caCertPem?: string;
  userName: string;
  credentials: KubeconfigCredentials;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

function userEntry(credentials: KubeconfigCredentials): KubeconfigUser {
  if ('token' in credentials) return { token: credentials.token };
  const { clientCertPem, clientKeyPem } = credentials;
  return { ...(clientCertPem === undefined ? {} : { 'client-certificate-data': b64(clientCertPem) }), 'client-key-data': b64(clientKeyPem) };
}

/** One cluster, one user, one context `<user>@<cluster>`; CA and credentials embedded. */
export function buildKubeconfig(input: KubeconfigInput): Kubeconfig {
  const context = `${input.userName}@${input.clusterName}`;
  const ca = input.caCertPem === undefined ? {} : { 'certificate-authority-data': b64(input.caCertPem) };
  return {
    apiVersion: 'v1',
    clusters: [{ cluster: { ...ca, server: input.server }, name: input.clusterName }],
    contexts: [{ context: { cluster: input.clusterName, user: input.userName }, name: context }],
    'current-context': context,
    kind: 'Config',
    users: [{ name: input.userName, user: userEntry(input.credentials) }],
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

/**
 * Parses kubeconfig text under the safe YAML limits; throws an Error saying what it is not and where, never quoting
 * it (a kubeconfig holds keys): a YAML error by its line and column, a malformed entry by its place in the lists.
 */
export function parseKubeconfig(text: string): KubeconfigDoc {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`is not YAML: ${yamlProblem(err)}`, { cause: err });
  }
  // client-go reads a kubeconfig without `kind`; another kind is not one.
  const kind = (doc as { kind?: unknown } | null)?.kind;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || (kind !== undefined && kind !== 'Config')) {
    throw new Error('is not a kubeconfig (kind: Config)');
  }
  checkShape(doc as KubeconfigDoc);
  return doc as KubeconfigDoc;
}

function yamlProblem(err: unknown): string {
  if (!(err instanceof YamlError)) throw err;
  const { line, column } = err.where;
  return line === undefined || err.message.includes(' at line ') ? err.message : `${err.message} at line ${line}, column ${column}`;
}

/** The three lists are lists of mappings, each named by a string, as client-go decodes them; a null list is empty. */
function checkShape(doc: KubeconfigDoc): void {
  const current = doc['current-context'];
  if (current !== undefined && current !== null && typeof current !== 'string') throw new Error(`current-context: expected a string, got ${typeName(current)}`);
  for (const [list, field] of [
    ['clusters', 'cluster'],
    ['contexts', 'context'],
    ['users', 'user'],
  ] as const) {
    const entries: unknown = doc[list];
    if (entries === undefined || entries === null) continue;
    if (!Array.isArray(entries)) throw new Error(`${list}: expected a list, got ${typeName(entries)}`);
    entries.forEach((entry: unknown, i) => {
      const at = `${list}[${i}]`;
      if (!isMapping(entry)) throw new Error(`${at}: expected a mapping with name and ${field}, got ${typeName(entry)}`);
      if (typeof entry.name !== 'string') throw new Error(`${at}.name: expected a string, got ${typeName(entry.name)}`);
      const body = entry[field];
      if (body !== undefined && body !== null && !isMapping(body)) throw new Error(`${at}.${field}: expected a mapping, got ${typeName(body)}`);
    });
  }
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value's kind, never the value: a malformed kubeconfig may hold key data anywhere. */
function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/** The user entry the current context names, if there is one. */
export function currentUser(doc: KubeconfigDoc): { name?: string; user?: Record<string, unknown> } | undefined {
  const name = doc.contexts?.find((c) => c.name === doc['current-context'])?.context?.user;
  return name ? doc.users?.find((u) => u.name === name) : undefined;
}

/** The name of the cluster the current context uses; the first cluster's when no context is current. */
export function currentClusterName(doc: KubeconfigDoc): string | undefined {
  const current = doc['current-context'];
  return current ? doc.contexts?.find((c) => c.name === current)?.context?.cluster : doc.clusters?.[0]?.name;
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
  /** `insecure-skip-tls-verify: true`: the server's certificate is not checked (and plain http is allowed). */
  insecureSkipTLSVerify?: true;
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
    if (!entry) throw new Error(`has no ${what}${name === undefined ? '' : ` ${quote(name)}`}`);
    return (entry[what] ?? {}) as Record<string, unknown>;
  };
  const current = doc['current-context'] || undefined;
  const context = current === undefined ? undefined : named(doc.contexts, current, 'context');
  const cluster = named(doc.clusters, typeof context?.cluster === 'string' ? context.cluster : undefined, 'cluster');
  // An empty user name is anonymous (a discovery file may carry no credentials).
  const user = context && context.user !== '' ? named(doc.users, typeof context.user === 'string' ? context.user : undefined, 'user') : {};
  const server = nonEmpty(cluster.server);
  if (!server) throw new Error('has no server for its cluster');
  checkServer(server);
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
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true || undefined,
  };
}

/** A server client-go can talk to: an http(s) URL (the server of a cluster is no secret, so it is quoted). */
function checkServer(server: string): void {
  let url: URL | undefined;
  try {
    url = new URL(server);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:')
    throw new Error(`its cluster's server ${quote(server)} is not a URL; expected https://host:port`);
}

const nonEmpty = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/;
const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----[\s\S]+-----END ([A-Z]+ )?PRIVATE KEY-----/;

/**
 * Checks a kubeconfig before the Kubernetes client library loads it (readKubeconfigTarget's checks, and the embedded
 * CA and client credentials are base64 of PEM): the library's and TLS's own messages for these name no field, and
 * a TLS error would come only at the first request, as if the server were unreachable. Throws an Error naming the
 * field, never quoting key data.
 */
export function checkKubeconfigForClient(text: string): KubeconfigTarget {
  const target = readKubeconfigTarget(text);
  const misfits: Array<[string | undefined, RegExp, string]> = [
    [target.caCertPem, PEM_CERTIFICATE, "its cluster's certificate-authority-data is not a base64-encoded PEM certificate"],
    [target.clientCertPem, PEM_CERTIFICATE, "its user's client-certificate-data is not a base64-encoded PEM certificate"],
    [target.clientKeyPem, PEM_PRIVATE_KEY, "its user's client-key-data is not a base64-encoded PEM private key"],
  ];
  for (const [pem, form, problem] of misfits) if (pem !== undefined && !form.test(pem)) throw new Error(problem);
  if (target.server.startsWith('http:') && !target.insecureSkipTLSVerify) {
    throw new Error(`its cluster's server ${quote(target.server)} is plain http; expected https://, or insecure-skip-tls-verify: true`);
  }
  return target;
}
