import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { tokenToCreate } from '../../../src/commands/token/options.js';
import { generateToken, isValidToken, isValidTokenGroup, isValidTokenUsage, splitToken } from '../../../src/tokens/token.js';

/** cluster-bootstrap's published cases (token/util/helpers_test.go, v0.37.1). */
const TOKEN_CASES: Array<[string, boolean]> = [
  ['', false],
  ['.', false],
  ['1234567890123456789012', false],
  ['12345.1234567890123456', false],
  ['.1234567890123456', false],
  ['123456.', false],
  ['123456:1234567890.123456', false],
  ['abcdef:1234567890123456', false],
  ['Abcdef.1234567890123456', false],
  ['123456.AABBCCDDEEFFGGHH', false],
  ['123456.AABBCCD-EEFFGGHH', false],
  ['abc*ef.1234567890123456', false],
  ['abcdef.1234567890123456', true],
  ['123456.aabbccddeeffgghh', true],
  ['ABCDEF.abcdef0123456789', false],
  ['abcdef.abcdef0123456789', true],
  ['123456.1234560123456789', true],
];

const GROUP_CASES: Array<[string, boolean]> = [
  ['system:bootstrappers:foo', true],
  ['system:bootstrappers:foo:bar:baz', true],
  ['system:bootstrappers:foo-bar-42', true],
  ['system:bootstrappers:Foo', false],
  ['foo', false],
  ['system:bootstrappers:', false],
  ['system:bootstrappers: ', false],
  ['system:bootstrappers:*', false],
  ['system:bootstrappers:foo:', false],
  ['system:bootstrappers:foo-', false],
  ['system:bootstrappers:<script> alert("scary?!") </script>', false],
  [`system:bootstrappers:${'x'.repeat(300)}`, false],
];

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const part = (n: number) => fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: n, maxLength: n });

describe("bootstrap tokens against cluster-bootstrap's test vectors", () => {
  it.each(TOKEN_CASES)('token %j valid: %s', (token, valid) => {
    expect(isValidToken(token)).toBe(valid);
  });

  it.each(GROUP_CASES)('group %j valid: %s', (group, valid) => {
    expect(isValidTokenGroup(group)).toBe(valid);
  });

  it('knows exactly the usages signing and authentication', () => {
    expect(['signing', 'authentication'].every(isValidTokenUsage)).toBe(true);
    expect(['foo', 'Signing', ''].some(isValidTokenUsage)).toBe(false);
  });
});

describe('token parsing (properties)', () => {
  it('accepts every id.secret of [a-z0-9]{6}.[a-z0-9]{16} and splits it back', () => {
    fc.assert(
      fc.property(part(6), part(16), (id, secret) => {
        expect(isValidToken(`${id}.${secret}`)).toBe(true);
        expect(splitToken(`${id}.${secret}`)).toEqual({ id, secret });
      }),
    );
  });

  it('refuses anything that does not match the format exactly', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const valid = /^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(text);
        expect(isValidToken(text)).toBe(valid);
        if (!valid) expect(() => splitToken(text)).toThrow(/must match/);
      }),
    );
  });

  it('generates valid, different tokens', () => {
    const tokens = new Set(Array.from({ length: 200 }, generateToken));
    expect(tokens.size).toBe(200);
    expect([...tokens].every(isValidToken)).toBe(true);
  });
});

describe('token create inputs', () => {
  const refused = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('expected a refusal');
  };

  it("defaults to kubeadm's: 24h, signing and authentication, the default node group", () => {
    const token = tokenToCreate(undefined, {});
    expect(isValidToken(token.token)).toBe(true);
    expect(token).toMatchObject({ ttl: '24h0m0s', usages: ['signing', 'authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token'] });
  });

  it('takes the given token, ttl (0 = forever), usages, groups and description', () => {
    const token = tokenToCreate('abcdef.0123456789abcdef', { ttl: '0', usages: ['authentication'], groups: ['system:bootstrappers:ci'], description: 'ci' });
    expect(token).toEqual({ token: 'abcdef.0123456789abcdef', ttl: '0s', usages: ['authentication'], groups: ['system:bootstrappers:ci'], description: 'ci' });
  });

  it('refuses a malformed token without echoing it', () => {
    const err = refused(() => tokenToCreate('ABCDEF.secretsecretsecre', {}));
    expect(err.message).toMatch(/\[token\]: the token is malformed; expected \[a-z0-9\]\{6\}\.\[a-z0-9\]\{16\}/);
    expect(err.message).not.toContain('secretsecret');
  });

  it('refuses a bad ttl, usage or group with the reason', () => {
    expect(refused(() => tokenToCreate(undefined, { ttl: '1 day' })).message).toMatch(/--ttl: "1 day" is not a duration/);
    expect(refused(() => tokenToCreate(undefined, { ttl: '-1h' })).message).toMatch(/--ttl: "-1h" is negative/);
    expect(refused(() => tokenToCreate(undefined, { usages: ['signing', 'kubelet'] })).message).toMatch(
      /--usages: "kubelet" is not a token usage; expected any of signing, authentication/,
    );
    expect(refused(() => tokenToCreate(undefined, { groups: ['system:nodes'] })).message).toMatch(
      /--groups: "system:nodes" is not a bootstrap group: extra groups must start with "system:bootstrappers:"/,
    );
    expect(refused(() => tokenToCreate(undefined, { usages: ['signing'] })).message).toMatch(
      /--groups: extra groups are only given to tokens used for authentication/,
    );
  });

  it('lets a signing-only token go without groups', () => {
    expect(tokenToCreate(undefined, { usages: ['signing'], groups: [] })).toMatchObject({ usages: ['signing'], groups: [] });
  });
});
