import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultClusterConfiguration } from '../../../src/config/defaults.js';
import {
  certsSecretEntries,
  decodeCertificateKey,
  decryptCertsSecretData,
  decryptWithKey,
  encryptCertsSecretData,
  encryptWithKey,
  generateCertificateKey,
} from '../../../src/tokens/certs-secret.js';

describe('kubeadm-certs encryption', () => {
  it('round-trips every file, keeps missing ones empty', () => {
    const key = decodeCertificateKey(generateCertificateKey());
    const files = new Map<string, Uint8Array | undefined>([
      ['ca.crt', Buffer.from('-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n')],
      ['sa.key', randomBytes(1200)],
      ['etcd-ca.key', undefined],
    ]);
    const sealed = encryptCertsSecretData(files, key);
    expect(sealed['etcd-ca.key']).toHaveLength(0);
    expect(Buffer.from(sealed['ca.crt']).includes('CERTIFICATE')).toBe(false);
    const opened = decryptCertsSecretData(sealed, key);
    expect(opened.get('ca.crt')).toEqual(files.get('ca.crt'));
    expect(opened.get('sa.key')).toEqual(Buffer.from(files.get('sa.key')!));
    expect(opened.get('etcd-ca.key')).toHaveLength(0);
  });

  it('stores nonce ‖ ciphertext ‖ tag (AES-256-GCM, 12-byte nonce, no AAD), as kubeadm does', () => {
    const key = randomBytes(32);
    const sealed = encryptWithKey(Buffer.from('secret data'), key);
    expect(sealed).toHaveLength(12 + 11 + 16);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(-16));
    expect(Buffer.concat([decipher.update(sealed.subarray(12, -16)), decipher.final()]).toString()).toBe('secret data');
  });

  it('refuses a wrong key and a bad key', () => {
    const sealed = encryptWithKey(Buffer.from('x'), randomBytes(32));
    expect(() => decryptWithKey(sealed, randomBytes(32))).toThrow(/wrong certificate key/);
    expect(() => decodeCertificateKey('abc')).toThrow(/64 hexadecimal digits/);
    expect(generateCertificateKey()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists the files kubeadm transfers', () => {
    const cluster = defaultClusterConfiguration();
    expect(certsSecretEntries(cluster).map((e) => e.key)).toEqual([
      'ca.crt',
      'ca.key',
      'front-proxy-ca.crt',
      'front-proxy-ca.key',
      'sa.pub',
      'sa.key',
      'etcd-ca.crt',
      'etcd-ca.key',
    ]);
    expect(certsSecretEntries(cluster).at(-1)?.path).toBe('/etc/kubernetes/pki/etcd/ca.key');
    const external = { ...cluster, etcd: { external: { endpoints: ['https://e:2379'], caFile: '/e/ca.crt', certFile: '/e/c.crt', keyFile: '/e/c.key' } } };
    expect(certsSecretEntries(external).slice(6)).toEqual([
      { key: 'external-etcd-ca.crt', path: '/e/ca.crt' },
      { key: 'external-etcd.crt', path: '/e/c.crt' },
      { key: 'external-etcd.key', path: '/e/c.key' },
    ]);
  });
});
