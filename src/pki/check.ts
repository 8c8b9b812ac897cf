import { createPublicKey } from 'node:crypto';
import { canonicalIP } from './alt-names.js';
import type { AltNames, Certificate, Usage } from './certificate.js';
import { publicKeyDer, type KeyPair } from './keys.js';
import { x509 } from './x509.js';

/*
 * Checks of files found on disk before bosun writes its own. Each returns what is wrong in words
 * (the caller names the file), or undefined when the file can be used as it is.
 */

/** The problem of a certificate whose key on disk is another: the caller names both files, either may be the wrong one. */
export const KEY_MISMATCH = 'does not match its private key';

/** Whether `key` is the private half of the certificate's public key. */
export function keyMatchesCertificate(key: KeyPair, cert: Certificate): boolean {
  const certKey = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: 'der', type: 'spki' });
  return publicKeyDer(certKey).equals(publicKeyDer(key.publicKey));
}

/** An existing CA: a CA certificate matching its key when the key is there. */
export function caProblem(cert: Certificate, key: KeyPair | undefined): string | undefined {
  if (!cert.getExtension(x509.BasicConstraintsExtension)?.ca) return 'is not a CA certificate (basic constraints CA:FALSE or missing)';
  if (key && !keyMatchesCertificate(key, cert)) return KEY_MISMATCH;
  return undefined;
}

/**
 * An existing leaf (`chain[0]`, then any intermediates from the same file): signed by `ca` (through the
 * intermediates), matching its key, with the usages and names the configuration needs.
 */
export async function leafProblem(
  chain: Certificate[],
  key: KeyPair,
  want: { usages: Usage[]; altNames?: AltNames },
  ca: Certificate,
): Promise<string | undefined> {
  const [cert] = chain;
  if (!keyMatchesCertificate(key, cert)) return KEY_MISMATCH;
  const chainProblem = await signedBy(chain, ca);
  if (chainProblem) return chainProblem;
  const usages = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  const missingUsages = want.usages.filter((u) => !usages.includes(u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
  if (missingUsages.length) return `lacks the extended key usage ${missingUsages.map((u) => `${u}Auth`).join(', ')}`;
  const missing = missingAltNames(cert, want.altNames);
  if (missing.length) return `lacks the subject alternative names ${missing.join(', ')} that the configuration needs`;
  return undefined;
}

/** Walks leaf -> intermediates -> `ca`, each link checked by name and signature. */
async function signedBy(chain: Certificate[], ca: Certificate): Promise<string | undefined> {
  let current = chain[0];
  for (let hops = 0; hops < chain.length; hops++) {
    const issuer = current.issuer === ca.subject ? ca : chain.find((c) => c !== current && c.subject === current.issuer);
    if (!issuer) return `is not signed by the CA "${ca.subject}": its issuer is "${current.issuer}"`;
    if (!(await current.verify({ publicKey: issuer.publicKey, signatureOnly: true }))) {
      return `is not signed by the CA "${ca.subject}": the signature of "${current.subject}" does not verify with the key of "${issuer.subject}" (another CA of the same name)`;
    }
    if (issuer === ca) return undefined;
    current = issuer;
  }
  return `is not signed by the CA "${ca.subject}": its chain does not reach it`;
}

/** kubeadm only warns about certificates outside their validity period; so does bosun. */
export function validityWarning(cert: Certificate, now: Date): string | undefined {
  const period = `NotBefore: ${cert.notBefore.toISOString()}, NotAfter: ${cert.notAfter.toISOString()}`;
  if (now < cert.notBefore) return `the certificate is not valid yet: ${period}`;
  if (now > cert.notAfter) return `the certificate has expired: ${period}`;
  return undefined;
}

/**
 * A certificate valid longer than the CA that signed it: past the CA's NotAfter, clients stop trusting it whatever
 * its own date says. kubeadm signs such certificates and lets them be; bosun warns.
 */
export function outlivesCaWarning(cert: Certificate, ca: Certificate): string | undefined {
  if (cert.notAfter <= ca.notAfter) return undefined;
  return `the certificate outlives its CA "${ca.subject}": NotAfter: ${cert.notAfter.toISOString()}, the CA's NotAfter: ${ca.notAfter.toISOString()}`;
}

/** Names the configuration asks for that the certificate does not carry (`DNS:x`, `IP:y`). */
export function missingAltNames(cert: Certificate, want: AltNames | undefined): string[] {
  if (!want) return [];
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const dns = new Set(names.filter((n) => n.type === 'dns').map((n) => n.value.toLowerCase()));
  const ips = new Set(names.filter((n) => n.type === 'ip').map((n) => canonicalIP(n.value) ?? n.value));
  return [...want.dnsNames.filter((d) => !dns.has(d.toLowerCase())).map((d) => `DNS:${d}`), ...want.ips.filter((ip) => !ips.has(ip)).map((ip) => `IP:${ip}`)];
}
