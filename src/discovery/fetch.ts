import type { GetAnswer } from '../cluster/https-get.js';
import type { StaticCredentials } from '../cluster/transport.js';
import { CLUSTER_INFO } from '../tokens/cluster-info.js';

/**
 * What discovery reads over HTTPS before the node trusts the cluster: `cluster-info`, and discovery files by URL.
 * The requests go through the Cluster door's GET with fixed trust (cluster/https-get.ts), which the caller hands in.
 */
export type HttpsGet = (server: string, path: string, creds: StaticCredentials, timeoutMs: number) => Promise<GetAnswer>;

/** A failure worth trying again until discovery's timeout: no answer yet, or not the answer expected yet. */
export class RetryableError extends Error {}

const CLUSTER_INFO_PATH = `/api/v1/namespaces/${CLUSTER_INFO.namespace}/configmaps/${CLUSTER_INFO.name}`;
const REQUEST_TIMEOUT_MS = 10_000;
const requestTimeout = (timeoutMs: number) => Math.max(1, Math.min(timeoutMs, REQUEST_TIMEOUT_MS));

export interface ClusterInfoAnswer {
  status: number;
  data?: Record<string, string>;
}

/**
 * GETs cluster-info from `server` with the given trust and credentials (`insecure`: anonymous, unverified TLS).
 * Answers are returned (the caller judges 403); no answer and server errors throw a RetryableError naming the server.
 */
export async function getClusterInfo(get: HttpsGet, server: string, creds: StaticCredentials, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ClusterInfoAnswer> {
  let res;
  try {
    res = await get(server, CLUSTER_INFO_PATH, creds, requestTimeout(timeoutMs));
  } catch (err) {
    throw new RetryableError(`${server}: ${(err as Error).message}`);
  }
  if (res.status === 200) return { status: 200, data: (JSON.parse(res.body) as { data?: Record<string, string> }).data ?? {} };
  if (res.status === 403 || res.status === 401) return { status: res.status };
  const { reason, message } = res.problem ?? { reason: `HTTP${res.status}`, message: '' };
  throw new RetryableError(`${server}: GET ${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name}: ${reason} (${res.status}): ${message}`);
}

/** A discovery kubeconfig served over HTTPS, verified against this machine's trusted roots (as kubeadm does). */
export async function fetchHttps(get: HttpsGet, url: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<string> {
  const { origin, pathname, search } = new URL(url);
  let res;
  try {
    res = await get(origin, `${pathname}${search}`, {}, requestTimeout(timeoutMs));
  } catch (err) {
    throw new RetryableError(`${url}: ${(err as Error).message}`);
  }
  if (res.status !== 200) throw new RetryableError(`${url}: HTTP ${res.status}`);
  return res.body;
}
