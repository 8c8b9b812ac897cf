import { describe, expect, it } from 'vitest';
import { secretValues } from '../../../src/kube/objects.js';
import { expirationFor, tokenExpiration, tokenFromSecret, tokenSecret } from '../../../src/tokens/secret.js';

const now = new Date('2026-01-02T03:04:05.678Z');
const token = {
  token: 'abcdef.0123456789abcdef',
  ttl: '24h0m0s',
  usages: ['signing', 'authentication'],
  groups: ['system:bootstrappers:kubeadm:default-node-token'],
  description: 'd',
};

describe('bootstrap token Secrets', () => {
  it('has the keys cluster-bootstrap reads', () => {
    const s = tokenSecret(token, tokenExpiration(token, now));
    expect(s.metadata).toEqual({ name: 'bootstrap-token-abcdef', namespace: 'kube-system' });
    expect(s.type).toBe('bootstrap.kubernetes.io/token');
    expect(Object.fromEntries(Object.entries(secretValues(s)).map(([k, v]) => [k, v.toString()]))).toEqual({
      'token-id': 'abcdef',
      'token-secret': '0123456789abcdef',
      description: 'd',
      expiration: '2026-01-03T03:04:05Z',
      'usage-bootstrap-signing': 'true',
      'usage-bootstrap-authentication': 'true',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    });
  });

  it('never expires with ttl 0, honours expires', () => {
    expect(tokenExpiration({ token: token.token, ttl: '0s' }, now)).toBeUndefined();
    expect(tokenExpiration({ token: token.token, expires: '2030-01-01T00:00:00+02:00' }, now)).toBe('2029-12-31T22:00:00Z');
  });

  it('reads back what it wrote', () => {
    const s = tokenSecret(token, '2026-01-03T03:04:05Z');
    expect(tokenFromSecret(s)).toEqual({ ...token, ttl: undefined, expires: '2026-01-03T03:04:05Z' });
    expect(() => tokenFromSecret({ ...s, metadata: { name: 'bootstrap-token-zzzzzz' } })).toThrow(/not a valid bootstrap token/);
  });

  it('keeps the expiration of an unchanged token, renews a changed one', () => {
    const existing = tokenSecret(token, '2026-01-02T10:00:00Z');
    expect(expirationFor(token, existing, now)).toBe('2026-01-02T10:00:00Z');
    // The API returns data keys sorted: usages come back in another order.
    expect(expirationFor({ ...token, usages: ['authentication', 'signing'] }, existing, now)).toBe('2026-01-02T10:00:00Z');
    expect(expirationFor({ ...token, groups: [] }, existing, now)).toBe('2026-01-03T03:04:05Z');
    expect(expirationFor(token, undefined, now)).toBe('2026-01-03T03:04:05Z');
  });
});
