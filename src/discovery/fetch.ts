import type { GetAnswer } from '../cluster/https-get.js';
import type { StaticCredentials } from '../cluster/transport.js';
import { CLUSTER_INFO } from '../tokens/cluster-info.js';
import { quote } from '../errors.js';

/** How long one GET may take in all (every byte of its answer) and how large its answer may be. */
export interface GetLimits {
  timeoutMs: number;
  maxBytes: number;
}

/**
 * What discovery reads over HTTPS before the node trusts the cluster: `cluster-info`, and discovery files by URL.
 * The requests go through the Cluster door's GET with fixed trust (cluster/https-get.ts), which the caller hands in;
 * it rejects, with a message in words, when no whole answer came within the limits.
 */
export type HttpsGet = (server: string, path: string, creds: StaticCredentials, limits: GetLimits) => Promise<GetAnswer>;

/** A failure worth trying again until discovery's timeout: no answer yet, or not the answer expected yet. */
export class RetryableError extends Error {}

const CLUSTER_INFO_PATH = `/api/v1/namespaces/${CLUSTER_INFO.namespace}/configmaps/${CLUSTER_INFO.name}`;
const CLUSTER_INFO_REF = `${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name}`;
const EXPECTED_CLUSTER_INFO = `expected the ConfigMap ${CLUSTER_INFO_REF}, its data a map of strings`;
/** One request's share of discovery's timeout: a server that hangs is asked again while time is left. */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * cluster-info is a kubeconfig with one cluster (server, CA bundle) and a signature per token; a discovery file
 * embeds a CA and perhaps a client certificate: a few KiB each. A larger answer is not one of them.
 */
export const DISCOVERY_ANSWER_MAX_BYTES = 1 << 20;
const limits = (timeoutMs: number): GetLimits => ({ timeoutMs: Math.max(1, Math.min(timeoutMs, REQUEST_TIMEOUT_MS)), maxBytes: DISCOVERY_ANSWER_MAX_BYTES });

export interface ClusterInfoAnswer {
  status: number;
  data?: Record<string, string>;
}

/**
 * GETs cluster-info from `server` with the given trust and credentials (`insecure`: anonymous, unverified TLS).
 * 200 with the ConfigMap, 401 and 403 are returned (the caller judges them); no answer, any other status and an
 * answer that is not the ConfigMap throw a RetryableError saying what was expected (the caller names the server).
 */
export async function getClusterInfo(get: HttpsGet, server: string, creds: StaticCredentials, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ClusterInfoAnswer> {
  let res;
  try {
    res = await get(server, CLUSTER_INFO_PATH, creds, limits(timeoutMs));
  } catch (err) {
    throw new RetryableError(`GET ${CLUSTER_INFO_REF}: ${(err as Error).message}`);
  }
  if (res.status === 200) return { status: 200, data: configMapData(res.body, `GET ${CLUSTER_INFO_REF}`) };
  if (res.status === 403 || res.status === 401) return { status: res.status };
  throw new RetryableError(`GET ${CLUSTER_INFO_REF}: ${refusal(res)}; expected 200 with the ConfigMap`);
}

/** A discovery kubeconfig served over HTTPS, verified against this machine's trusted roots (as kubeadm does). */
export async function fetchHttps(get: HttpsGet, url: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<string> {
  const { origin, pathname, search } = new URL(url);
  let res;
  try {
    res = await get(origin, `${pathname}${search}`, {}, limits(timeoutMs));
  } catch (err) {
    throw new RetryableError((err as Error).message);
  }
  if (res.status !== 200) throw new RetryableError(`${refusal(res)}; expected 200 with a kubeconfig`);
  return res.body;
}

/** `data` of a ConfigMap answer; a RetryableError when the answer is not one (a proxy's page, a truncated body). */
function configMapData(body: string, what: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RetryableError(`${what}: the answer is not JSON (it starts ${quote(body, 40)}); ${EXPECTED_CLUSTER_INFO}`);
  }
  const object = isRecord(parsed) ? parsed : undefined;
  if (object?.kind !== 'ConfigMap') {
    const got = object
      ? `an object of kind ${quote(String(object.kind ?? ''), 40)}`
      : `a JSON ${parsed === null ? 'null' : Array.isArray(parsed) ? 'array' : typeof parsed}`;
    throw new RetryableError(`${what}: the answer is ${got}; ${EXPECTED_CLUSTER_INFO}`);
  }
  const data = object.data ?? {};
  if (!isRecord(data) || !Object.values(data).every((v) => typeof v === 'string')) {
    throw new RetryableError(`${what}: the ConfigMap's data is not a map of strings; ${EXPECTED_CLUSTER_INFO}`);
  }
  return data as Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An answer other than 200: its status, and the API's reason and message (or the start of the body), quoted. */
function refusal(res: GetAnswer): string {
  const { reason, message } = res.problem ?? { reason: '', message: '' };
  const said = [reason && reason !== `HTTP${res.status}` && quote(reason, 40), message && quote(message, 200)].filter(Boolean).join(': ');
  return `answered HTTP ${res.status}${said ? ` (${said})` : ''}`;
}
