/** Certificate signing requests (PKCS#10), as kubeadm makes them for an external CA to sign. */
import { webcrypto } from 'node:crypto';
import { altNamesExtension, signingAlgorithm, signingKey, subjectName, webCryptoAlgorithm, type AltNames, type Subject } from './certificate.js';
import { publicKeyDer, type KeyPair } from './keys.js';
import { x509, type X509 } from './x509.js';

/**
 * A CSR for `subject` and, for a serving certificate, its names, signed by `key`. Like kubeadm's it requests no key
 * usages: the CA decides those (kubeadm's documentation tells the CA which to set).
 */
export async function createCertificateRequest(subject: Subject, altNames: AltNames | undefined, key: KeyPair): Promise<string> {
  const publicKey = await webcrypto.subtle.importKey('spki', publicKeyDer(key.publicKey), webCryptoAlgorithm(key.privateKey), true, ['verify']);
  const privateKey = await signingKey(key.privateKey);
  const names = altNames && altNamesExtension(altNames);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(subject),
    keys: { publicKey, privateKey } as X509.Pkcs10CertificateRequestCreateParams['keys'],
    signingAlgorithm: signingAlgorithm(key.privateKey),
    extensions: names ? [names] : [],
  });
  return `${csr.toString('pem')}\n`;
}

/** Reads a PEM CSR; undefined when the text is not one. */
export function parseCertificateRequest(pem: string | Buffer): X509.Pkcs10CertificateRequest | undefined {
  try {
    return new x509.Pkcs10CertificateRequest(typeof pem === 'string' ? pem : pem.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Whether a CSR asks for `key`'s public key (a CSR left by an earlier run for the key on disk). */
export function requestMatchesKey(csr: X509.Pkcs10CertificateRequest, key: KeyPair): boolean {
  return Buffer.from(csr.publicKey.rawData).equals(publicKeyDer(key.publicKey));
}
