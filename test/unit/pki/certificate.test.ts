import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { createCaCertificate } from '../../../src/pki/certificate.js';
import { generateKey } from '../../../src/pki/keys.js';
import { x509 } from '../../../src/pki/x509.js';

test('a CA names its key as Go 1.25+ does: the first 160 bits of the SHA-256 of the subject public key', async () => {
  for (const algorithm of ['RSA-2048', 'ECDSA-P256'] as const) {
    const key = await generateKey(algorithm);
    const ca = await createCaCertificate('kubernetes', key, { now: new Date(), lifetimeMs: 3_600_000 });
    // The BIT STRING of the SubjectPublicKeyInfo: PKCS#1 for RSA, the uncompressed point for ECDSA.
    const jwk = key.publicKey.export({ format: 'jwk' });
    const bits =
      algorithm === 'RSA-2048'
        ? key.publicKey.export({ type: 'pkcs1', format: 'der' })
        : Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    const keyId = ca.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
    expect(keyId).toBe(createHash('sha256').update(bits).digest().subarray(0, 20).toString('hex'));
  }
});
