import { randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { publicKeyDer, type KeyPair } from './keys.js';
import { x509, type X509 } from './x509.js';

export type Certificate = X509.X509Certificate;
type CreateParams = X509.X509CertificateCreateWithKeyParams;

/** Who a certificate is for: CN and O, as kubeadm's cert configs name them. */
export interface Subject {
  commonName: string;
  organization?: string[];
}

/** Subject Alternative Names: DNS names sorted and unique, IPs unique in their given order (kubeadm's rule). */
export interface AltNames {
  dnsNames: string[];
  ips: string[];
}

export type Usage = 'server' | 'client';

/** What a leaf certificate says: everything but the key, the issuer and the dates. */
export interface LeafRequest {
  subject: Subject;
  usages: Usage[];
  altNames?: AltNames;
}

/** A CA able to sign: its certificate and private key. */
export interface Signer {
  cert: Certificate;
  key: KeyPair;
}

/** When a certificate starts and ends being valid. */
export interface Validity {
  now: Date;
  /** Lifetime from `now`, in milliseconds. */
  lifetimeMs: number;
  /** Valid from; `now` less kubeadm's 5-minute backdate when absent. */
  notBefore?: Date;
}

/** Certificates start 5 minutes in the past, so a node with a slightly slow clock accepts them (kubeadm's backdate). */
const BACKDATE_MS = 5 * 60_000;

const USAGE_OIDS: Record<Usage, string> = {
  server: x509.ExtendedKeyUsage.serverAuth,
  client: x509.ExtendedKeyUsage.clientAuth,
};

const LEAF_KEY_USAGE = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;

const notBefore = (validity: Validity) => validity.notBefore ?? new Date(validity.now.getTime() - BACKDATE_MS);

/**
 * The subject key identifier Go's x509.CreateCertificate derives (Go 1.25 on, which builds kubeadm 1.36 and
 * 1.37): the first 160 bits of the SHA-256 of the subject public key, RFC 7093 method 1 (was SHA-1).
 */
async function subjectKeyIdentifier(spki: Buffer): Promise<X509.SubjectKeyIdentifierExtension> {
  const digest = await new x509.PublicKey(spki).getKeyIdentifier('SHA-256');
  return new x509.SubjectKeyIdentifierExtension(Buffer.from(digest).subarray(0, 20).toString('hex'));
}

/** A self-signed CA certificate, as kubeadm makes it: SAN DNS = CN, key usage including certSign, a key id. */
export async function createCaCertificate(commonName: string, key: KeyPair, validity: Validity): Promise<Certificate> {
  const spki = publicKeyDer(key.publicKey);
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: subjectName({ commonName }),
    issuer: subjectName({ commonName }),
    notBefore: notBefore(validity),
    notAfter: new Date(validity.now.getTime() + validity.lifetimeMs),
    publicKey: spki,
    signingKey: await signingKey(key.privateKey),
    signingAlgorithm: signingAlgorithm(key.privateKey),
    extensions: [
      new x509.KeyUsagesExtension(LEAF_KEY_USAGE | x509.KeyUsageFlags.keyCertSign, true),
      new x509.BasicConstraintsExtension(true, undefined, true),
      await subjectKeyIdentifier(spki),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: commonName }]),
    ],
  });
}

/** A leaf certificate signed by `signer`. */
export async function createLeafCertificate(request: LeafRequest, key: KeyPair, signer: Signer, validity: Validity): Promise<Certificate> {
  const extensions: X509.Extension[] = [
    new x509.KeyUsagesExtension(LEAF_KEY_USAGE, true),
    new x509.ExtendedKeyUsageExtension(request.usages.map((u) => USAGE_OIDS[u])),
    new x509.BasicConstraintsExtension(false, undefined, true),
  ];
  const caKeyId = signer.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (caKeyId) extensions.push(new x509.AuthorityKeyIdentifierExtension(caKeyId));
  const names = request.altNames && altNamesExtension(request.altNames);
  if (names) extensions.push(names);
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: subjectName(request.subject),
    issuer: signer.cert.subjectName,
    notBefore: notBefore(validity),
    notAfter: new Date(validity.now.getTime() + validity.lifetimeMs),
    publicKey: publicKeyDer(key.publicKey),
    signingKey: await signingKey(signer.key.privateKey),
    signingAlgorithm: signingAlgorithm(signer.key.privateKey),
    extensions,
  });
}

/** PEM text of a certificate, newline-terminated like Go's encoder. */
export function encodeCertificate(cert: Certificate): string {
  return `${cert.toString('pem')}\n`;
}

/** Reads the first certificate of a PEM text; undefined when there is none. */
export function parseCertificate(pem: string | Buffer): Certificate | undefined {
  return parseCertificateChain(pem)?.[0];
}

/** Every certificate of a PEM text, leaf first (a `.crt` may carry its intermediates); undefined when there is none. */
export function parseCertificateChain(pem: string | Buffer): Certificate[] | undefined {
  try {
    const blocks = x509.PemConverter.decodeWithHeaders(typeof pem === 'string' ? pem : pem.toString('utf8'));
    const certs = blocks.filter((b) => b.type === 'CERTIFICATE').map((b) => new x509.X509Certificate(b.rawData));
    return certs.length ? certs : undefined;
  } catch {
    return undefined;
  }
}

/** The SAN extension of `names`, DNS names before IPs as Go writes them; undefined when there are none. */
export function altNamesExtension(names: AltNames): X509.SubjectAlternativeNameExtension | undefined {
  if (!names.dnsNames.length && !names.ips.length) return undefined;
  return new x509.SubjectAlternativeNameExtension([
    ...names.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...names.ips.map((value) => ({ type: 'ip' as const, value })),
  ]);
}

/** Go's pkix order puts O before CN; several O values share one RDN. */
export function subjectName(subject: Subject): X509.JsonName {
  const rdns: X509.JsonName = [];
  if (subject.organization?.length) rdns.push({ O: subject.organization });
  rdns.push({ CN: [subject.commonName] });
  return rdns;
}

/** A random positive 63-bit serial, like kubeadm's. */
function randomSerial(): string {
  const bytes = randomBytes(8);
  bytes[0] &= 0x7f;
  bytes[7] |= 0x01;
  return bytes.toString('hex');
}

export function signingAlgorithm(key: KeyObject): { name: string; hash: string } {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return { name: 'ECDSA', hash: key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'SHA-384' : 'SHA-256' };
}

/** How WebCrypto names a key's algorithm (and, for RSA, the hash its signatures use), to import it. */
export function webCryptoAlgorithm(key: KeyObject): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams {
  return key.asymmetricKeyType === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256' };
}

/** A private key as WebCrypto wants it for signing. */
export async function signingKey(key: KeyObject): Promise<CreateParams['signingKey']> {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  return (await webcrypto.subtle.importKey('pkcs8', der, webCryptoAlgorithm(key), false, ['sign'])) as CreateParams['signingKey'];
}
