import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCaPins, signedKubeconfig, trustFromKubeconfig } from '../../../src/discovery/cluster-info.js';
import { UserError } from '../../../src/errors.js';
import { caCertHash, caCertHashes } from '../../../src/pki/ca-hash.js';
import { createCaCertificate, encodeCertificate, type Certificate } from '../../../src/pki/certificate.js';
import { generateKey } from '../../../src/pki/keys.js';
import { clusterInfoKubeconfig } from '../../../src/tokens/cluster-info.js';
import { detachedJWS } from '../../../src/tokens/jws.js';

const vector = (file: string) => readFileSync(new URL(`../../data/kubeadm-vectors/${file}`, import.meta.url), 'utf8');
/** kubeadm's pubkeypin test vector (cmd/kubeadm/app/util/pubkeypin/pubkeypin_test.go, v1.37.1). */
const KUBEADM_PIN = 'sha256:345959acb2c3b2feb87d281961c893f62a314207ef02599f1cc4a5fb255480b3';

describe("CA pins against kubeadm's test vectors", () => {
  it('hashes the test certificate as kubeadm does', () => {
    expect(caCertHash(vector('pubkeypin-test-cert.pem'))).toBe(KUBEADM_PIN);
  });

  it('accepts the pin in any case, and refuses the other certificate', () => {
    expect(() => checkCaPins(vector('pubkeypin-test-cert.pem'), [KUBEADM_PIN.toUpperCase().replace('SHA256', 'sha256')])).not.toThrow();
    expect(() => checkCaPins(vector('pubkeypin-test-cert2.pem'), [KUBEADM_PIN])).toThrow(UserError);
  });
});

describe('cluster-info signatures', () => {
  const token = 'abcdef.0123456789abcdef';
  const kubeconfig = clusterInfoKubeconfig('https://10.0.0.1:6443', vector('pubkeypin-test-cert.pem'));
  const signed = { kubeconfig, 'jws-kubeconfig-abcdef': detachedJWS(kubeconfig, 'abcdef', '0123456789abcdef') };

  it('gives the kubeconfig back when signed for the token', () => {
    expect(signedKubeconfig(signed, token)).toEqual({ kubeconfig });
    expect(trustFromKubeconfig(kubeconfig)).toEqual({ server: 'https://10.0.0.1:6443', caCertPem: vector('pubkeypin-test-cert.pem') });
  });

  it('waits (unsigned) when there is no signature for the token id yet, saying why it may never come', () => {
    const result = signedKubeconfig({ kubeconfig }, token);
    expect(result).toEqual({ unsigned: expect.stringMatching(/token id "abcdef" is invalid for this cluster or it has expired.*without the "signing" usage/) });
  });

  it('refuses changed content and a wrong token secret', () => {
    const tampered = { ...signed, kubeconfig: kubeconfig.replace('10.0.0.1', '10.6.6.6') };
    expect(() => signedKubeconfig(tampered, token)).toThrow(/does not match its content: either cluster-info was tampered with or the token's secret is wrong/);
    expect(() => signedKubeconfig(signed, 'abcdef.ffffffffffffffff')).toThrow(/does not match its content/);
  });

  it('refuses a cluster-info without a kubeconfig', () => {
    expect(() => signedKubeconfig({}, token)).toThrow(/has no "kubeconfig" key/);
  });
});

describe('CA pins (properties)', () => {
  const pool: Certificate[] = [];
  beforeAll(async () => {
    const now = { now: new Date(), lifetimeMs: 86_400_000 };
    for (const algorithm of ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'ECDSA-P256'] as const) {
      pool.push(await createCaCertificate(`ca-${pool.length}`, await generateKey(algorithm), now));
    }
  });

  it("is sha256 of the certificate's SubjectPublicKeyInfo, read the same from PEM as from the parsed certificate", () => {
    for (const cert of pool) {
      const pin = caCertHash(cert);
      expect(pin).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(caCertHash(encodeCertificate(cert))).toBe(pin);
    }
    expect(new Set(pool.map((c) => caCertHash(c))).size).toBe(pool.length);
  });

  it('pins every certificate of a bundle in order; a bundle passes when any pin matches', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(pool.length - 1), { minLength: 1, maxLength: 5 }), fc.nat(pool.length - 1), (picks, pinned) => {
        const bundle = picks.map((i) => encodeCertificate(pool[i])).join('');
        expect(caCertHashes(bundle)).toEqual(picks.map((i) => caCertHash(pool[i])));
        const check = () => checkCaPins(bundle, [caCertHash(pool[pinned])]);
        if (picks.includes(pinned)) expect(check).not.toThrow();
        else expect(check).toThrow(/is not the one pinned/);
      }),
    );
  });
});
