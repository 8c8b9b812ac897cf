import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The detached JWS the bootstrapsigner controller puts beside `cluster-info`'s kubeconfig as `jws-kubeconfig-<id>`
 * (RFC 7515 appendix F): HS256 keyed with the token secret, protected header exactly `{"alg":"HS256","kid":"<id>"}`,
 * payload left out of the compact form (`header..signature`). Joining nodes check it to trust what they downloaded.
 */
export function detachedJWS(content: string, tokenId: string, tokenSecret: string): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const signature = createHmac('sha256', tokenSecret)
    .update(`${header}.${base64url(content)}`)
    .digest();
  return `${header}..${base64url(signature)}`;
}

/** Whether `jws` is the detached signature of `content` by this token (compared in constant time). */
export function verifyDetachedJWS(content: string, jws: string, tokenId: string, tokenSecret: string): boolean {
  const expected = Buffer.from(detachedJWS(content, tokenId, tokenSecret));
  const given = Buffer.from(jws);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}
