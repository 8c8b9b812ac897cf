import { describe, expect, it } from 'vitest';
import { detachedJWS, verifyDetachedJWS } from '../../../src/tokens/jws.js';

describe('detached JWS (cluster-bootstrap jws.go)', () => {
  const payload = 'Hello from the other side. I must have called a thousand times.';
  const expected = 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8';

  it('matches the upstream test vector', () => {
    expect(detachedJWS(payload, 'joshua', 'my voice is my passcode')).toBe(expected);
  });

  it('verifies only with the right token and content', () => {
    expect(verifyDetachedJWS(payload, expected, 'joshua', 'my voice is my passcode')).toBe(true);
    expect(verifyDetachedJWS(payload, expected, 'joshua', 'my voice is my passcodf')).toBe(false);
    expect(verifyDetachedJWS(`${payload}!`, expected, 'joshua', 'my voice is my passcode')).toBe(false);
    expect(verifyDetachedJWS(payload, expected.slice(0, -1), 'joshua', 'my voice is my passcode')).toBe(false);
  });

  it('puts exactly alg and kid in the header', () => {
    const [header, empty] = detachedJWS('x', 'abcdef', '0123456789abcdef').split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'HS256', kid: 'abcdef' });
    expect(Buffer.from(header, 'base64url').toString()).toBe('{"alg":"HS256","kid":"abcdef"}');
    expect(empty).toBe('');
  });
});
