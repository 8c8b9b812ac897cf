import https from 'node:https';
import { staticTransport, type StaticCredentials } from '../cluster/transport.js';
import { statusOf } from '../cluster/errors.js';
import { CLUSTER_INFO } from '../tokens/cluster-info.js';

/** Discovery's door: reads `cluster-info` (and discovery files by URL) before the node trusts the cluster. */

/** A failure worth trying again until discovery's timeout: no answer yet, or not the answer expected yet. */
export class RetryableError extends Error {}

const CLUSTER_INFO_PATH = `/api/v1/namespaces/${CLUSTER_INFO.namespace}/configmaps/${CLUSTER_INFO.name}`;
const REQUEST_TIMEOUT_MS = 10_000;

export interface ClusterInfoAnswer {
  status: number;
  data?: Record<string, string>;
}

/**
 * GETs cluster-info from `server` with the given trust and credentials (none: anonymous, unverified TLS). Answers are
 * returned (the caller judges 403); no answer and server errors throw a RetryableError naming the server.
 */
export async function getClusterInfo(server: string, creds: StaticCredentials, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ClusterInfoAnswer> {
  const transport = staticTransport(server, creds);
  let res;
  try {
    res = await transport.request({ method: 'GET', path: CLUSTER_INFO_PATH, timeoutMs: Math.max(1, Math.min(timeoutMs, REQUEST_TIMEOUT_MS)) });
  } catch (err) {
    throw new RetryableError(`${server}: ${(err as Error).message}`);
  }
  if (res.status === 200) return { status: 200, data: (JSON.parse(res.body) as { data?: Record<string, string> }).data ?? {} };
  if (res.status === 403 || res.status === 401) return { status: res.status };
  const { reason, message } = statusOf(res.body, res.status);
  throw new RetryableError(`${server}: GET ${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name}: ${reason} (${res.status}): ${message}`);
}

/** A discovery kubeconfig served over HTTPS, verified against this machine's trusted roots (as kubeadm does). */
export function fetchHttps(url: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { timeout: Math.max(1, Math.min(timeoutMs, REQUEST_TIMEOUT_MS)) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(new RetryableError(`${url}: ${err.message}`)));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(Buffer.concat(chunks).toString('utf8'));
        else reject(new RetryableError(`${url}: HTTP ${res.statusCode}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
    req.on('error', (err) => reject(new RetryableError(`${url}: ${err.message}`)));
  });
}
