import fc from 'fast-check';

/**
 * Strings an attacker or a careless operator would type: stray whitespace, numbers in every notation, paths out of
 * the node, terminal escapes, control characters and other scripts, and plain garbage.
 */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(
    '', ' ', '\t', '\n', '-1', '0', '-0', '1e3', '0x1bb', '0o17', '65536', '99999999999999999999', '1.5', 'NaN', 'Infinity', '-Infinity',
    'null', '~', 'true', 'yes', 'v1.37.1 ', ' 1.36.3', 'v1.36', 'v999.0.0', 'v1.36.3-rc.0', ' 10.96.0.0/12', '10.96.0.0/33', '10.96.0.0/12,fd00::/108',
    '::', '0.0.0.0', '256.1.1.1', '1.2.3.4:99999', 'host:', ':6443', '[::1]:abc', '../../../etc/passwd', '/etc/passwd', '/', '.', '..',
    '\u001b[31mred\u001b[0m', '\u001b]0;title\u0007', 'a\u0000b', '\r\n', '\u202eevil', '🚀', 'ｋｕｂｅ', '%s%n%x', '${HOME}', '$(id)', '`id`',
    '-5s', '1y', '0s', '3.5h', '9999999h', '1e309s', 'h', '-', '--', '=', ',', ':', 'a=b=c', 'https://[::1', 'http://x', 'unix://',
    'x'.repeat(300), '__proto__', 'constructor', 'toString',
  ) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 16 }).map((s) => ` ${s} `) },
  { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 33 }).map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
);

/** A YAML value of any type where a config field is: the field's own type (wrongly shaped) or another one. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1.5, -0.5, 65536, 1e21, Number.MAX_SAFE_INTEGER + 2) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('name', 'value', 'a', '', '__proto__', 'Kind'), hostileString, { maxKeys: 3 }) },
);

/** A bootstrap token whose secret half carries a marker, and a certificate key likewise: found again in any output. */
export const tokenSecret = fc.stringMatching(/^[a-z0-9]{10}$/).map((s) => `s3cr3t${s}`);
export const tokenId = fc.stringMatching(/^[a-z0-9]{6}$/);
export const certificateKey = fc.stringMatching(/^[0-9a-f]{52}$/).map((s) => `c0ffee5ec7e7${s}`);
