import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatExpiration } from '../../../src/commands/certs/expiration-output.js';
import type { CertificateExpiration, CertificateExpirationInfo } from '../../../src/pki/expiration.js';

/** kubeadm 1.36.3's own output for a PKI it made (test/data/check-expiration/generate.sh). */
const DATA = path.join(import.meta.dirname, '../../data/check-expiration');
const kubeadmOutput = (file: string) => readFileSync(path.join(DATA, file), 'utf8');

interface KubeadmEntry {
  name: string;
  expirationDate: string | null;
  residualTime: number;
  externallyManaged: boolean;
  caName?: string;
  missing: boolean;
}

/** The object kubeadm printed, read back into bosun's model. */
function infoFrom(object: { certificates: KubeadmEntry[]; certificateAuthorities: KubeadmEntry[] }): CertificateExpirationInfo {
  const row = (e: KubeadmEntry): CertificateExpiration => ({
    name: e.name,
    ...(e.expirationDate && { expirationDate: new Date(e.expirationDate) }),
    residualTimeSeconds: e.residualTime,
    externallyManaged: e.externallyManaged,
    ...(e.caName && { caName: e.caName }),
    missing: e.missing,
  });
  return { certificates: object.certificates.map(row), certificateAuthorities: object.certificateAuthorities.map(row) };
}

describe.each(['external-ca', 'missing'])('certs check-expiration output, as kubeadm prints it: %s', (name) => {
  const fromJson = infoFrom(JSON.parse(kubeadmOutput(`${name}.json`)));

  it('-o json: the same CertificateExpirationInfo, byte for byte', () => {
    expect(formatExpiration(fromJson, 'json')).toBe(kubeadmOutput(`${name}.json`));
  });

  it('-o yaml: the same object, keys sorted as kubeadm sorts them', () => {
    const fromYaml = infoFrom(parse(kubeadmOutput(`${name}.yaml`)));
    expect(formatExpiration(fromYaml, 'yaml')).toBe(kubeadmOutput(`${name}.yaml`));
  });

  it('-o text: the same two tables, columns and padding', () => {
    expect(formatExpiration(fromJson, 'text')).toBe(kubeadmOutput(`${name}.text`));
  });
});

describe('certs check-expiration rows beyond kubeadm', () => {
  it("a certificate no known CA signed (the kubelet's self-signed serving one) has an empty CA cell and no caName", () => {
    const info: CertificateExpirationInfo = {
      certificates: [
        { name: 'kubelet-serving', expirationDate: new Date('2027-01-02T03:04:05Z'), residualTimeSeconds: 7200, externallyManaged: false, missing: false },
      ],
      certificateAuthorities: [],
    };
    expect(formatExpiration(info, 'text').split('\n')[1]).toBe('kubelet-serving   Jan 02, 2027 03:04 UTC   2h              ' + ' '.repeat(24) + 'no      ');
    expect(JSON.parse(formatExpiration(info, 'json')).certificates[0]).not.toHaveProperty('caName');
  });
});
