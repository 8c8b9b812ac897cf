import { createHash, X509Certificate } from 'node:crypto';

/** A parsed certificate (an @peculiar/x509 one) with its DER SubjectPublicKeyInfo. */
interface WithPublicKey {
  publicKey: { rawData: ArrayBuffer };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const pin = (spki: Buffer) => `sha256:${createHash('sha256').update(spki).digest('hex')}`;

/**
 * The pins of every certificate of a PEM bundle, in order (none when it holds no certificate; throws on a damaged
 * one). Read with Node's own X.509 parser: a joining node checks pins before it needs any other PKI code.
 */
export function caCertHashes(pem: string | Buffer): string[] {
  const blocks = (typeof pem === 'string' ? pem : pem.toString('utf8')).match(PEM_CERTIFICATE) ?? [];
  return blocks.map((block) => pin(new X509Certificate(block).publicKey.export({ type: 'spki', format: 'der' })));
}

/**
 * kubeadm's CA pin: `sha256:<hex>` of the CA's DER SubjectPublicKeyInfo (`--discovery-token-ca-cert-hash`).
 * Takes the CA certificate or its PEM text (the first certificate of a bundle).
 */
export function caCertHash(ca: WithPublicKey | string | Buffer): string {
  if (typeof ca !== 'string' && !Buffer.isBuffer(ca)) return pin(Buffer.from(ca.publicKey.rawData));
  let first: string | undefined;
  try {
    [first] = caCertHashes(ca);
  } catch {
    // a damaged certificate: reported below like a missing one
  }
  if (!first) throw new Error('the CA certificate is not a PEM certificate');
  return first;
}
