import type { AnswerLimits } from './bounded-answer.js';
import { statusOf } from './errors.js';
import { staticTransport, type Response, type StaticCredentials } from './transport.js';

/** An answer to one GET; an error status comes with the API's reason and message (or the start of the body). */
export interface GetAnswer extends Response {
  problem?: { reason: string; message: string };
}

/**
 * One GET with fixed trust, for reads made before the cluster is trusted: discovery's anonymous look at cluster-info
 * (`insecure`), the read pinned to the CA it found (`ca`), and a discovery file served by URL (no `ca`: this
 * machine's trusted roots). Rejects with a NoAnswerError (bounded-answer.ts) when no whole answer came within
 * `limits`: its deadline covers every byte, and a larger answer is cut off unread.
 */
export async function httpsGet(server: string, path: string, creds: StaticCredentials, limits: AnswerLimits): Promise<GetAnswer> {
  const res = await staticTransport(server, creds).request({ method: 'GET', path, ...limits });
  return res.status >= 200 && res.status < 300 ? res : { ...res, problem: statusOf(res.body, res.status) };
}
