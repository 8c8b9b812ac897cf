import type { BootstrapToken } from '../config/types.js';
import { durationMs } from '../config/duration.js';
import { secret, secretValues, type Secret } from '../kube/objects.js';
import { splitToken } from './token.js';

/** Bootstrap token Secrets (`kube-system/bootstrap-token-<id>`) as cluster-bootstrap defines them. */
export const TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const TOKEN_NAMESPACE = 'kube-system';
export const tokenSecretName = (id: string) => `bootstrap-token-${id}`;

/** RFC 3339 in UTC without fractions, as Go's time.RFC3339 writes it. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** When a token expires: its `expires` when set, else now + `ttl`; never for a ttl of 0 (or none). */
export function tokenExpiration(token: BootstrapToken, now: Date): string | undefined {
  if (token.expires) return rfc3339(new Date(token.expires));
  const ttl = token.ttl ? durationMs(token.ttl) : 0;
  return ttl > 0 ? rfc3339(new Date(now.getTime() + ttl)) : undefined;
}

/** The Secret that makes a token valid: id, secret, description, expiration, one key per usage, extra groups. */
export function tokenSecret(token: BootstrapToken, expiration: string | undefined): Secret {
  const { id, secret: tokenSecretValue } = splitToken(token.token);
  const values: Record<string, string> = { 'token-id': id, 'token-secret': tokenSecretValue };
  if (token.description) values.description = token.description;
  if (expiration) values.expiration = expiration;
  for (const usage of token.usages ?? []) values[`usage-bootstrap-${usage}`] = 'true';
  if (token.groups?.length) values['auth-extra-groups'] = token.groups.join(',');
  return secret(TOKEN_NAMESPACE, tokenSecretName(id), TOKEN_SECRET_TYPE, values);
}

/** A token Secret read back as the token it stands for (`expires` set from `expiration`). */
export function tokenFromSecret(obj: { metadata: { name: string }; data?: Record<string, string> }): BootstrapToken {
  const values = Object.fromEntries(Object.entries(secretValues(obj)).map(([k, v]) => [k, v.toString('utf8')]));
  const id = values['token-id'];
  const tokenSecretValue = values['token-secret'];
  if (!id || !tokenSecretValue || obj.metadata.name !== tokenSecretName(id)) {
    throw new Error(`Secret ${TOKEN_NAMESPACE}/${obj.metadata.name} is not a valid bootstrap token Secret`);
  }
  const token: BootstrapToken = { token: `${id}.${tokenSecretValue}` };
  if (values.description) token.description = values.description;
  if (values.expiration) token.expires = values.expiration;
  const usages = Object.keys(values)
    .filter((k) => k.startsWith('usage-bootstrap-') && values[k] === 'true')
    .map((k) => k.slice('usage-bootstrap-'.length));
  if (usages.length) token.usages = usages;
  if (values['auth-extra-groups']) token.groups = values['auth-extra-groups'].split(',');
  return token;
}

/**
 * The expiration to write for a token that may already exist: an unchanged token keeps the one it has, so running
 * init again changes nothing; a new or changed token gets a fresh one.
 */
export function expirationFor(token: BootstrapToken, existing: Secret | undefined, now: Date): string | undefined {
  if (existing && !token.expires) {
    const current = tokenFromSecret(existing);
    const same =
      current.token === token.token &&
      current.description === token.description &&
      sameSet(current.usages, token.usages) &&
      sameList(current.groups, token.groups);
    if (same && (current.expires !== undefined) === (tokenExpiration(token, now) !== undefined)) return current.expires;
  }
  return tokenExpiration(token, now);
}

const sameList = (a: string[] | undefined, b: string[] | undefined) => (a ?? []).join(',') === (b ?? []).join(',');
/** Usages come back in the API's key order: their order does not matter. */
const sameSet = (a: string[] | undefined, b: string[] | undefined) => sameList([...(a ?? [])].sort(), [...(b ?? [])].sort());
