import { EXIT_CODES, UserError } from '../errors.js';
import type { ObjectRef } from './cluster.js';

/** `Kind namespace/name` (or `Kind name` when cluster-scoped): how every cluster error names its object. */
export function describeRef(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** Reasons bosun adds to the API's own (`NotFound`, `Conflict`, `Forbidden`, …) for failures before an answer. */
export const UNREACHABLE = 'Unreachable';
export const TIMEOUT = 'Timeout';
/** An answer bosun cannot read (not JSON): something other than an API server answered. */
export const BAD_ANSWER = 'BadAnswer';

/**
 * A failed API call: what was done to which object, the HTTP code and the API's reason and message. No answer at all
 * (unreachable, timed out) is a failed precondition (exit 3): the control plane is not there to talk to.
 */
export class ClusterError extends UserError {
  constructor(
    readonly action: string,
    readonly target: string,
    readonly reason: string,
    readonly detail: string,
    readonly code?: number,
  ) {
    super(`${action} ${target}: ${reason}${code ? ` (${code})` : ''}: ${detail}`, reason === UNREACHABLE || reason === TIMEOUT ? EXIT_CODES.precondition : 1);
    this.name = 'ClusterError';
  }
}

/** True for failures worth retrying while a control plane comes up: no answer, or the API server not ready yet. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof ClusterError)) return false;
  return err.reason === UNREACHABLE || err.code === 429 || err.code === 500 || err.code === 503 || err.code === 504;
}

/**
 * What a server may repeat of a request's credentials, and what it is shown as: the Authorization header's value
 * (a proxy or a broken server echoing the request), a bootstrap token anywhere, a private key's PEM block.
 */
const ECHOED_SECRETS: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, '$1 <redacted>'],
  [/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, '<bootstrap token>'],
  [/-----BEGIN ([A-Z]+ )?PRIVATE KEY-----[\s\S]*?(-----END ([A-Z]+ )?PRIVATE KEY-----|$)/g, '<private key>'],
];

/** A server's words with any credential it repeated hidden: they end up in an error message. */
export function withoutEchoedSecrets(text: string): string {
  return ECHOED_SECRETS.reduce((out, [pattern, shown]) => out.replace(pattern, shown), text);
}

/** The API's Status object (`reason`, `message`) out of an error body, or the body itself; secrets it echoes hidden. */
export function statusOf(body: string, code: number): { reason: string; message: string } {
  try {
    const status = JSON.parse(body) as { kind?: string; reason?: string; message?: string };
    if (status.kind === 'Status')
      return { reason: withoutEchoedSecrets(status.reason || `HTTP${code}`), message: withoutEchoedSecrets(String(status.message ?? '')) };
  } catch {
    // not JSON: a proxy or a component's plain-text answer
  }
  return { reason: `HTTP${code}`, message: withoutEchoedSecrets(body.trim()).slice(0, 500) };
}
