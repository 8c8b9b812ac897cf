import { statusOf } from './errors.js';
import { staticTransport, type Response, type StaticCredentials } from './transport.js';

/** An answer to one GET; an error status comes with the API's reason and message (or the start of the body). */
export interface GetAnswer extends Response {
  problem?: { reason: string; message: string };
}

/**
 * One GET with fixed trust, for reads made before the cluster is trusted: discovery's anonymous look at cluster-info
 * (`insecure`), the read pinned to the CA it found (`ca`), and a discovery file served by URL (no `ca`: this
 * machine's trusted roots). Rejects with a plain Error when no answer came.
 */
export async function httpsGet(server: string, path: string, creds: StaticCredentials, timeoutMs: number): Promise<GetAnswer> {
  const res = await staticTransport(server, creds).request({ method: 'GET', path, timeoutMs });
  return res.status >= 200 && res.status < 300 ? res : { ...res, problem: statusOf(res.body, res.status) };
}
