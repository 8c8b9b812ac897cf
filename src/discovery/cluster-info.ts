import { quote, UserError } from '../errors.js';
import { readKubeconfigTarget } from '../kubeconfig/kubeconfig.js';
import { caCertHashes } from '../pki/ca-hash.js';
import { CLUSTER_INFO } from '../tokens/cluster-info.js';
import { verifyDetachedJWS } from '../tokens/jws.js';
import { splitToken } from '../tokens/token.js';

/**
 * What token discovery checks in `kube-public/cluster-info` before a joining node trusts anything it says
 * (pure functions; the fetching is in fetch.ts).
 */
export const JWS_KEY_PREFIX = 'jws-kubeconfig-';
const WHERE = `the ${CLUSTER_INFO.name} ConfigMap`;

/** Where the cluster is and which CA it is known by: what discovery hands to the TLS bootstrap. */
export interface ClusterTrust {
  server: string;
  caCertPem: string;
}

/** Not signed for this token (yet): the bootstrapsigner signs a new token within seconds, so discovery asks again. */
export interface Unsigned {
  unsigned: string;
}

/**
 * The kubeconfig of cluster-info once it carries a valid signature for the token. Unsigned when there is no signature
 * for the token id (unknown, expired, or a token without the "signing" usage: cluster-info cannot tell them apart);
 * throws when a signature is there but does not match: the content was changed, or the token secret is wrong.
 */
export function signedKubeconfig(data: Record<string, string> | undefined, token: string): { kubeconfig: string } | Unsigned {
  const { id, secret } = splitToken(token);
  const kubeconfig = data?.[CLUSTER_INFO.key];
  if (!kubeconfig) {
    throw new UserError(`${WHERE} has no "${CLUSTER_INFO.key}" key: this API server is not set up for token discovery`);
  }
  const jws = data[`${JWS_KEY_PREFIX}${id}`];
  if (!jws) {
    return {
      unsigned:
        `token id "${id}" is invalid for this cluster or it has expired: ${WHERE} carries no signature for it ` +
        '(an unknown or expired token, or one without the "signing" usage). Create a new one with "bosun token create" on a control-plane node',
    };
  }
  if (!verifyDetachedJWS(kubeconfig, jws, id, secret)) {
    throw new UserError(
      `the signature of ${WHERE} for token id "${id}" does not match its content: either cluster-info was tampered with or the ` +
        "token's secret is wrong; refusing to trust this API server",
    );
  }
  return { kubeconfig };
}

/** Server and CA of cluster-info's kubeconfig (one cluster, named ""). */
export function trustFromKubeconfig(text: string, source = WHERE): ClusterTrust {
  let target;
  try {
    target = readKubeconfigTarget(text);
  } catch (err) {
    throw new UserError(`the kubeconfig in ${source}: ${(err as Error).message}`);
  }
  if (!target.caCertPem || !caPins(target.caCertPem).length) {
    throw new UserError(`the kubeconfig in ${source} has no certificate-authority-data with a PEM certificate`);
  }
  return { server: checkServerURL(target.server, `the kubeconfig in ${source}`), caCertPem: target.caCertPem };
}

/**
 * The server a kubeconfig names, when it is an https URL with a host and nothing a message or a request line could
 * be steered with (whitespace, control characters); `source` says whose kubeconfig it is.
 */
export function checkServerURL(server: string, source: string): string {
  let url: URL | undefined;
  try {
    url = /^[\x21-\x7e]+$/.test(server) ? new URL(server) : undefined;
  } catch {
    // not a URL: said below
  }
  if (url?.protocol !== 'https:' || !url.hostname) {
    throw new UserError(`${source} names the server ${quote(server, 80)}; expected an https:// URL such as https://10.0.0.1:6443`);
  }
  return server;
}

/** The pins of every CA certificate in a bundle (kubeadm pins each one); none when the text holds no valid certificate. */
export function caPins(caCertPem: string): string[] {
  try {
    return caCertHashes(caCertPem);
  } catch {
    return [];
  }
}

/** Passes when one CA certificate of the bundle has one of the given public-key pins (`sha256:<hex>`, any case). */
export function checkCaPins(caCertPem: string, pins: string[]): void {
  const allowed = new Set(pins.map((p) => p.toLowerCase()));
  const found = caPins(caCertPem);
  if (found.some((pin) => allowed.has(pin))) return;
  throw new UserError(
    `the cluster CA found in ${WHERE} is not the one pinned by --discovery-token-ca-cert-hash (discovery.bootstrapToken.caCertHashes): ` +
      `its public key is ${found.join(', ')}, the pins given are ${pins.join(', ')}. ` +
      'Check the hash with "bosun token create --print-join-command" on a control-plane node; refusing to trust this API server',
  );
}
