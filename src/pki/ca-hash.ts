import { createHash } from 'node:crypto';
import { parseCertificate, type Certificate } from './certificate.js';

/**
 * kubeadm's CA pin: `sha256:<hex>` of the CA's DER SubjectPublicKeyInfo (`--discovery-token-ca-cert-hash`).
 * Takes the CA certificate or its PEM text (the first certificate of a bundle).
 */
export function caCertHash(ca: Certificate | string | Buffer): string {
  const cert = typeof ca === 'string' || Buffer.isBuffer(ca) ? parseCertificate(ca) : ca;
  if (!cert) throw new Error('the CA certificate is not a PEM certificate');
  return `sha256:${createHash('sha256').update(Buffer.from(cert.publicKey.rawData)).digest('hex')}`;
}
