import path from 'node:path';
import type { StaticCredentials } from '../cluster/transport.js';
import { parseHostPort } from '../config/net.js';
import type { Discovery } from '../config/types.js';
import { describeError, systemProblem, UserError } from '../errors.js';
import { FileReadError, READ_CAPS, type Host } from '../host/host.js';
import { readKubeconfigTarget, type KubeconfigTarget } from '../kubeconfig/kubeconfig.js';
import { httpsURL } from '../kubeconfig/specs.js';
import { caPins, checkCaPins, checkServerURL, signedKubeconfig, trustFromKubeconfig, type ClusterTrust } from './cluster-info.js';
import { fetchHttps, getClusterInfo, RetryableError, type HttpsGet } from './fetch.js';
import { budgetOf, retryUntil, type Budget } from './retry.js';

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

/** The doors discovery reads through, and how long it may keep trying. */
export interface DiscoverOptions {
  /** The joining node: a discovery file, and the files it names, are paths on it. */
  host: Host;
  /** The Cluster door's GET with fixed trust (httpsGet): cluster-info, and a discovery file by URL. */
  get: HttpsGet;
  /** The whole discovery's: every try, every pause and every byte read fit in it (--discovery-timeout). */
  timeoutMs: number;
  log: (line: string) => void;
}

/** Discovery by token or by file (path or https URL), as `kubeadm join` does it; throws a UserError saying why not. */
export async function discover(discovery: Discovery, opts: DiscoverOptions): Promise<Discovered> {
  const budget = budgetOf(opts.timeoutMs);
  if (discovery.bootstrapToken) {
    const trust = await tokenDiscovery(discovery.bootstrapToken, budget, opts);
    return { trust, credentials: { token: discovery.tlsBootstrapToken ?? discovery.bootstrapToken.token } };
  }
  if (discovery.file) {
    const found = await fileDiscovery(discovery.file.kubeConfigPath, budget, opts);
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

/** Runs `step`; a UserError it throws says first what it was about (the endpoint, the discovery file). */
async function about<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${what}: ${err.message}`, err.exitCode);
    throw err;
  }
}

/** cluster-info read with `creds` once it is signed for the token: until then, and while no such answer comes, asked again. */
function signedClusterInfo(get: HttpsGet, server: string, creds: StaticCredentials, token: string, budget: Budget): Promise<string> {
  return retryUntil(budget, async (remaining) => {
    const answer = await getClusterInfo(get, server, creds, remaining);
    if (answer.status !== 200) throw new RetryableError(`reading cluster-info anonymously was refused (HTTP ${answer.status})`);
    const signed = signedKubeconfig(answer.data, token);
    if ('unsigned' in signed) throw new RetryableError(signed.unsigned);
    return signed.kubeconfig;
  });
}

/**
 * cluster-info without credentials over unverified TLS; its JWS for the token id; the CA against the pins; then
 * cluster-info again over TLS verified with that CA, which must say exactly the same. Every refusal names the server.
 */
async function tokenDiscovery(cfg: TokenDiscovery, budget: Budget, { get, log }: DiscoverOptions): Promise<ClusterTrust> {
  const endpoint = cfg.apiServerEndpoint ?? '';
  const parsed = parseHostPort(endpoint);
  if ('problem' in parsed || parsed.port === undefined) throw new UserError(`the API server endpoint "${endpoint}" is not host:port`);
  const server = httpsURL(parsed.host, parsed.port);
  return about(`discovery at ${server}`, async () => {
    log(`[discovery] Requesting the "cluster-info" ConfigMap from ${server} (unauthenticated, to be checked against the token)`);
    const kubeconfig = await signedClusterInfo(get, server, { insecure: true }, cfg.token, budget);
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
    const again = await signedClusterInfo(get, server, { ca: trust.caCertPem }, cfg.token, budget);
    if (again !== kubeconfig) {
      throw new UserError('cluster-info read over TLS verified with the pinned CA differs from the first read; refusing to trust this API server');
    }
    log(`[discovery] Trusting the API server ${trust.server}`);
    return trust;
  });
}

/**
 * A discovery kubeconfig: its cluster (CA embedded or a file beside it) and the credentials it embeds or names.
 * `dir` is the node directory its relative file names start from.
 */
async function readDiscoveryFile(text: string, source: string, host: Host, dir: string): Promise<Discovered> {
  let target: KubeconfigTarget;
  try {
    target = readKubeconfigTarget(text);
  } catch (err) {
    throw new UserError(`discovery file ${source}: ${(err as Error).message}`);
  }
  const file = (p: string, what: string) => readNodeFile(host, path.resolve(dir, p), `discovery file ${source}: cannot read its ${what} ${p}`);
  const caCertPem = target.caCertPem ?? (target.caFile && (await file(target.caFile, 'certificate-authority')));
  if (!caCertPem)
    throw new UserError(`discovery file ${source}: its cluster has no certificate-authority(-data): the node needs the cluster CA to trust the API server`);
  const credentials: BootstrapCredentials = {};
  if (target.token) credentials.token = target.token;
  const cert = target.clientCertPem ?? (target.clientCertFile && (await file(target.clientCertFile, 'client-certificate')));
  const key = target.clientKeyPem ?? (target.clientKeyFile && (await file(target.clientKeyFile, 'client-key')));
  if (cert && key) Object.assign(credentials, { clientCertPem: cert, clientKeyPem: key });
  if (!caPins(caCertPem).length) throw new UserError(`discovery file ${source}: its certificate authority is not a PEM certificate`);
  return { trust: { server: checkServerURL(target.server, `discovery file ${source}`), caCertPem }, credentials };
}

/** A file on the node as text; a UserError saying `what` could not be read, and why (ENOENT when it is not there). */
async function readNodeFile(host: Host, nodePath: string, what: string): Promise<string> {
  let data;
  try {
    data = await host.readFile(nodePath, READ_CAPS.kubeconfig);
  } catch (err) {
    // The refusal's own path is where the file is on this machine (under --rootfs); `what` names the node's path.
    throw new UserError(`${what}: ${err instanceof FileReadError ? err.problem : (systemProblem(err) ?? describeError(err))}`);
  }
  if (data === undefined) throw new UserError(`${what}: it does not exist`);
  return data.toString('utf8');
}

/**
 * A kubeconfig file on the node (or an https URL) names the cluster and its CA; bosun reads cluster-info through it
 * to prove the TLS connection works (a 403 is fine: the cluster need not publish cluster-info), and warns when
 * cluster-info names another server. A relative path starts from the working directory, as kubeadm's does.
 */
async function fileDiscovery(where: string, budget: Budget, { host, get, log }: DiscoverOptions): Promise<Discovered> {
  const nodePath = where.startsWith('https://') ? undefined : path.resolve(where);
  const text = nodePath
    ? await readNodeFile(host, nodePath, `discovery file ${where}: cannot read it`)
    : await about(`discovery file ${where}`, () => retryUntil(budget, (remaining) => fetchHttps(get, where, remaining)));
  // Files named by a kubeconfig served by URL start from the working directory too.
  const found = await readDiscoveryFile(text, where, host, nodePath ? path.dirname(nodePath) : '');
  const { server, caCertPem } = found.trust;
  log(`[discovery] Using the cluster ${server} and CA of discovery file ${where}; checking the TLS connection`);
  const creds = { ca: caCertPem, token: found.credentials.token, cert: found.credentials.clientCertPem, key: found.credentials.clientKeyPem };
  const answer = await about(`discovery at ${server}`, () => retryUntil(budget, (remaining) => getClusterInfo(get, server, creds, remaining)));
  const published = answer.data?.kubeconfig;
  if (published) {
    const refreshed = await about(`discovery at ${server}`, async () => trustFromKubeconfig(published));
    if (refreshed.server !== server) {
      log(`[discovery] WARNING: the API server ${server} in use differs from ${refreshed.server}, which the cluster-info ConfigMap names`);
    }
  }
  return found;
}
