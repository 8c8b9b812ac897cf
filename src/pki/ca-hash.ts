import { createHash } from 'node:crypto';
import type { Certificate } from './certificate.js';

/** kubeadm's CA pin: `sha256:<hex>` of the CA's DER SubjectPublicKeyInfo (`--discovery-token-ca-cert-hash`). */
export function caCertHash(ca: Certificate): string {
  return `sha256:${createHash('sha256').update(Buffer.from(ca.publicKey.rawData)).digest('hex')}`;
}
