import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseHostPort } from '../config/net.js';
import type { Discovery } from '../config/types.js';
import { UserError } from '../errors.js';
import { httpsURL } from '../kubeconfig/specs.js';
import { parseYaml, YAML_LIMITS } from '../util/yaml.js';
import { caPins, checkCaPins, signedKubeconfig, trustFromKubeconfig, type ClusterTrust } from './cluster-info.js';
import { fetchHttps, getClusterInfo, RetryableError } from './fetch.js';
import { retryUntil } from './retry.js';

/** How the node authenticates for its TLS bootstrap: a bootstrap token, or what a discovery file embeds. */
export interface BootstrapCredentials {
  token?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
}

/** What discovery establishes: the API server and CA the node may trust, and its credentials for the TLS bootstrap. */
export interface Discovered {
  trust: ClusterTrust;
  credentials: BootstrapCredentials;
}

export interface DiscoverOptions {
  timeoutMs: number;
  log: (line: string) => void;
}

/** Discovery by token or by file (path or https URL), as `kubeadm join` does it; throws a UserError saying why not. */
export async function discover(discovery: Discovery, opts: DiscoverOptions): Promise<Discovered> {
  const deadline = Date.now() + opts.timeoutMs;
  if (discovery.bootstrapToken) {
    const trust = await tokenDiscovery(discovery.bootstrapToken, deadline, opts.log);
    return { trust, credentials: { token: discovery.tlsBootstrapToken ?? discovery.bootstrapToken.token } };
  }
  if (discovery.file) {
    const found = await fileDiscovery(discovery.file.kubeConfigPath, deadline, opts.log);
    if (discovery.tlsBootstrapToken) return { trust: found.trust, credentials: { token: discovery.tlsBootstrapToken } };
    if (!found.credentials.token && !found.credentials.clientCertPem) {
      throw new UserError(
        `discovery file ${discovery.file.kubeConfigPath} has no credentials for the TLS bootstrap: embed a token or client certificate in it, ` +
          'or give --tls-bootstrap-token (discovery.tlsBootstrapToken)',
      );
    }
    return found;
  }
  throw new UserError('JoinConfiguration: discovery: set bootstrapToken (--token and the API server endpoint) or file (--discovery-file)');
}

type TokenDiscovery = NonNullable<Discovery['bootstrapToken']>;

/**
 * cluster-info without credentials over unverified TLS; its JWS for the token id; the CA against the pins; then
 * cluster-info again over TLS verified with that CA, which must say exactly the same.
 */
async function tokenDiscovery(cfg: TokenDiscovery, deadline: number, log: (line: string) => void): Promise<ClusterTrust> {
  const endpoint = cfg.apiServerEndpoint ?? '';
  const parsed = parseHostPort(endpoint);
  if ('problem' in parsed || parsed.port === undefined) throw new UserError(`the API server endpoint "${endpoint}" is not host:port`);
  const server = httpsURL(parsed.host, parsed.port);
  const what = `discovery at ${server}`;
  log(`[discovery] Requesting the "cluster-info" ConfigMap from ${server} (unauthenticated, to be checked against the token)`);
  const kubeconfig = await retryUntil(deadline, what, async (remaining) => {
    const answer = await getClusterInfo(server, { insecure: true }, remaining);
    if (answer.status !== 200) throw new RetryableError(`${server}: reading cluster-info anonymously was refused (HTTP ${answer.status})`);
    const signed = signedKubeconfig(answer.data, cfg.token);
    if ('unsigned' in signed) throw new RetryableError(signed.unsigned);
    return signed.kubeconfig;
  });
  const trust = trustFromKubeconfig(kubeconfig);
  const pins = cfg.caCertHashes ?? [];
  if (!pins.length) {
    log(
      '[discovery] WARNING: UNSAFE: --discovery-token-unsafe-skip-ca-verification: the cluster CA is trusted without a pin. ' +
        'Anyone who knows this token can pose as the control plane to this node; pass --discovery-token-ca-cert-hash instead',
    );
    return trust;
  }
  checkCaPins(trust.caCertPem, pins);
  log(`[discovery] cluster-info is signed for the token and its CA matches the pin; reading it again over TLS verified with that CA`);
  const again = await retryUntil(deadline, what, async (remaining) => {
    const answer = await getClusterInfo(server, { ca: trust.caCertPem }, remaining);
    if (answer.status !== 200) throw new RetryableError(`${server}: reading cluster-info anonymously was refused (HTTP ${answer.status})`);
    const signed = signedKubeconfig(answer.data, cfg.token);
    if ('unsigned' in signed) throw new RetryableError(signed.unsigned);
    return signed.kubeconfig;
  });
  if (again !== kubeconfig) {
    throw new UserError('cluster-info read over TLS verified with the pinned CA differs from the first read; refusing to trust this API server');
  }
  log(`[discovery] Trusting the API server ${trust.server}`);
  return trust;
}

interface KubeconfigDoc {
  'current-context'?: string;
  clusters?: Array<{ name: string; cluster?: Record<string, string> }>;
  contexts?: Array<{ name: string; context?: { cluster?: string; user?: string } }>;
  users?: Array<{ name: string; user?: Record<string, string> }>;
}

/** A discovery kubeconfig: its cluster (CA embedded or a file beside it) and the credentials it embeds or names. */
async function readDiscoveryFile(text: string, source: string, dir: string): Promise<Discovered> {
  let doc: KubeconfigDoc;
  try {
    doc = parseYaml(text, { maxAliasCount: YAML_LIMITS.maxAliasCount }) as KubeconfigDoc;
  } catch (err) {
    throw new UserError(`discovery file ${source}: not YAML: ${String((err as Error).message).split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object') throw new UserError(`discovery file ${source}: not a kubeconfig`);
  const context = doc.contexts?.find((c) => c.name === doc['current-context'])?.context;
  const cluster = (context ? doc.clusters?.find((c) => c.name === context.cluster) : doc.clusters?.[0])?.cluster;
  if (!cluster?.server) throw new UserError(`discovery file ${source}: its current context names no cluster with a server`);
  const user = (context?.user !== undefined ? doc.users?.find((u) => u.name === context.user)?.user : undefined) ?? {};
  const file = async (p: string, what: string) => {
    try {
      return await fs.readFile(path.resolve(dir, p), 'utf8');
    } catch (err) {
      throw new UserError(`discovery file ${source}: cannot read its ${what} ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');
  const caCertPem = cluster['certificate-authority-data']
    ? decode(cluster['certificate-authority-data'])
    : cluster['certificate-authority'] && (await file(cluster['certificate-authority'], 'certificate-authority'));
  if (!caCertPem) throw new UserError(`discovery file ${source}: its cluster has no certificate-authority(-data): the node needs the cluster CA to trust the API server`);
  const credentials: BootstrapCredentials = {};
  if (user.token) credentials.token = user.token;
  const cert = user['client-certificate-data'] ? decode(user['client-certificate-data']) : user['client-certificate'] && (await file(user['client-certificate'], 'client-certificate'));
  const key = user['client-key-data'] ? decode(user['client-key-data']) : user['client-key'] && (await file(user['client-key'], 'client-key'));
  if (cert && key) Object.assign(credentials, { clientCertPem: cert, clientKeyPem: key });
  if (!caPins(caCertPem).length) throw new UserError(`discovery file ${source}: its certificate authority is not a PEM certificate`);
  return { trust: { server: cluster.server, caCertPem }, credentials };
}

/**
 * A kubeconfig file (or https URL) names the cluster and its CA; bosun reads cluster-info through it to prove the TLS
 * connection works (a 403 is fine: the cluster need not publish cluster-info), and warns when cluster-info names
 * another server.
 */
async function fileDiscovery(where: string, deadline: number, log: (line: string) => void): Promise<Discovered> {
  const isURL = where.startsWith('https://');
  const text = isURL
    ? await retryUntil(deadline, `discovery file ${where}`, (remaining) => fetchHttps(where, remaining))
    : await fs.readFile(where, 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new UserError(`discovery file ${where}: cannot read it: ${err.code ?? err.message}`);
      });
  const found = await readDiscoveryFile(text, where, isURL ? process.cwd() : path.dirname(path.resolve(where)));
  const { server, caCertPem } = found.trust;
  log(`[discovery] Using the cluster ${server} and CA of discovery file ${where}; checking the TLS connection`);
  const creds = { ca: caCertPem, token: found.credentials.token, cert: found.credentials.clientCertPem, key: found.credentials.clientKeyPem };
  const answer = await retryUntil(deadline, `discovery at ${server}`, (remaining) => getClusterInfo(server, creds, remaining));
  const published = answer.data?.kubeconfig;
  if (published) {
    const refreshed = trustFromKubeconfig(published);
    if (refreshed.server !== server) {
      log(`[discovery] WARNING: the API server ${server} in use differs from ${refreshed.server}, which the cluster-info ConfigMap names`);
    }
  }
  return found;
}
