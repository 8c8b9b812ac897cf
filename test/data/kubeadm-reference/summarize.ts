/**
 * What kubeadm's `certs` and `kubeconfig` phases wrote, reduced to what must match between kubeadm and bosun:
 * per certificate its subject, issuer, SANs, key usages, extensions, key type and validity (relative to the
 * phase's start: backdate and lifetime, never absolute times); per key its type and PEM block; per kubeconfig
 * its cluster, server, CA, user and client certificate. Never key bytes, serials or signatures.
 *
 * Used by `generate.sh` (bundled with esbuild: `node summarize.mjs ROOT CERT_DIR CERTS_START KUBECONFIG_START`,
 * starts in Unix seconds) and by the comparison test on bosun's output.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { x509 } from '../../../src/pki/x509.js';
import { parseYaml } from '../../../src/util/yaml.js';

export interface CertificateSummary {
  subject: string;
  issuer: string;
  signature: string;
  publicKey: string;
  /** Extensions in their DER order, `!` marking the critical ones. */
  extensions: string[];
  basicConstraints: { ca: boolean; pathLength?: number };
  keyUsage: string[];
  extKeyUsage: string[];
  dnsNames: string[];
  ips: string[];
  /** How the subject key identifier was derived from the key (Go 1.25+: the first 160 bits of SHA-256). */
  subjectKeyId?: string;
  /** The authority key identifier is the issuer's subject key identifier. */
  authorityKeyIdIsIssuers?: boolean;
  /** Minutes-rounded distance of notBefore before, and notAfter after, the start of the phase that wrote it. */
  backdate: string;
  lifetime: string;
}

export interface FileSummary {
  mode: string;
  pem: string[];
  certificate?: CertificateSummary;
  key?: string;
}

export interface KubeconfigSummary {
  mode: string;
  clusters: { name: string; server: string; certificateAuthority: string }[];
  contexts: { name: string; cluster: string; user: string }[];
  currentContext: string;
  users: { name: string; clientCertificate?: CertificateSummary & { notBeforeIsIssuers: boolean }; clientKey?: string; files?: string[] }[];
}

export interface PkiSummary {
  /** Under the certificates dir, by path relative to it. */
  files: Record<string, FileSummary>;
  /** Under /etc/kubernetes, by file name. */
  kubeconfigs: Record<string, KubeconfigSummary>;
}

const OIDS: Record<string, string> = {
  '2.5.29.14': 'subjectKeyIdentifier',
  '2.5.29.15': 'keyUsage',
  '2.5.29.17': 'subjectAltName',
  '2.5.29.19': 'basicConstraints',
  '2.5.29.35': 'authorityKeyIdentifier',
  '2.5.29.37': 'extKeyUsage',
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
};
const KEY_USAGES = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

/** `8760h`, `5m`, `1h5m`: a duration rounded to the minute. */
export function minutes(ms: number): string {
  const total = Math.round(ms / 60_000);
  const sign = total < 0 ? '-' : '';
  const [h, m] = [Math.floor(Math.abs(total) / 60), Math.abs(total) % 60];
  return `${sign}${h ? `${h}h` : ''}${m || !h ? `${m}m` : ''}`;
}

export function keyType(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `RSA-${details.modulusLength}`;
  if (key.asymmetricKeyType === 'ec') return `ECDSA-${details.namedCurve === 'prime256v1' ? 'P256' : details.namedCurve}`;
  return String(key.asymmetricKeyType);
}

/** The BIT STRING of a SubjectPublicKeyInfo: what RFC 5280's key identifiers hash. */
function subjectPublicKeyBits(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'rsa') return key.export({ type: 'pkcs1', format: 'der' });
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
}

function keyIdMethod(id: Buffer, key: KeyObject): string {
  const bits = subjectPublicKeyBits(key);
  if (id.equals(createHash('sha256').update(bits).digest().subarray(0, 20))) return 'sha256-160 of the public key';
  if (id.equals(createHash('sha1').update(bits).digest())) return 'sha1 of the public key';
  return `other (${id.length} bytes)`;
}

export function summarizeCertificate(cert: x509.X509Certificate, start: Date, issuer?: x509.X509Certificate): CertificateSummary {
  const ext = <T extends x509.Extension>(type: new (...args: never[]) => T) => cert.getExtension(type as never) as T | null;
  const san = ext(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const usages = ext(x509.KeyUsagesExtension)?.usages ?? 0;
  const basic = ext(x509.BasicConstraintsExtension);
  const ski = ext(x509.SubjectKeyIdentifierExtension);
  const aki = ext(x509.AuthorityKeyIdentifierExtension);
  const issuerKeyId = (issuer ?? cert).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const algorithm = cert.signatureAlgorithm as { name: string; hash?: { name: string } };
  const key = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: 'der', type: 'spki' });
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    signature: `${algorithm.name}/${algorithm.hash?.name}`,
    publicKey: keyType(key),
    extensions: cert.extensions.map((e) => `${OIDS[e.type] ?? e.type}${e.critical ? '!' : ''}`),
    basicConstraints: { ca: basic?.ca ?? false, ...(basic?.pathLength !== undefined && { pathLength: basic.pathLength }) },
    keyUsage: KEY_USAGES.filter((_, bit) => usages & (1 << bit)),
    extKeyUsage: (ext(x509.ExtendedKeyUsageExtension)?.usages ?? []).map((oid) => OIDS[String(oid)] ?? String(oid)),
    dnsNames: san.filter((n) => n.type === 'dns').map((n) => n.value),
    ips: san.filter((n) => n.type === 'ip').map((n) => n.value),
    ...(ski && { subjectKeyId: keyIdMethod(Buffer.from(ski.keyId, 'hex'), key) }),
    ...(aki && { authorityKeyIdIsIssuers: aki.keyId === issuerKeyId }),
    backdate: minutes(start.getTime() - cert.notBefore.getTime()),
    lifetime: minutes(cert.notAfter.getTime() - start.getTime()),
  };
}

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8).padStart(4, '0');
const pemTypes = (text: string) => [...text.matchAll(/^-----BEGIN ([A-Z ]+)-----$/gm)].map((m) => m[1]);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)).map((f) => path.join(e.name, f)) : [e.name],
  );
}

function readKey(text: string): string | undefined {
  try {
    return keyType(createPublicKey(text));
  } catch {
    return undefined;
  }
}

/** The issuer among `cas` (by subject), else the certificate itself when self-signed. */
function issuerOf(cert: x509.X509Certificate, cas: x509.X509Certificate[]): x509.X509Certificate | undefined {
  return cas.find((ca) => ca.subject === cert.issuer);
}

/** Every file under the certificates dir: mode and PEM blocks; certificates and keys summarized. */
export function summarizeCertDir(certDir: string, start: Date): Record<string, FileSummary> {
  const names = filesUnder(certDir).sort();
  const texts = new Map(names.map((n) => [n, readFileSync(path.join(certDir, n), 'utf8')]));
  const certs = new Map(names.filter((n) => n.endsWith('.crt')).map((n) => [n, new x509.X509Certificate(texts.get(n)!)]));
  const cas = [...certs.values()].filter((c) => c.getExtension(x509.BasicConstraintsExtension)?.ca);
  return Object.fromEntries(
    names.map((n) => {
      const cert = certs.get(n);
      const key = n.endsWith('.crt') ? undefined : readKey(texts.get(n)!);
      const summary: FileSummary = { mode: mode(path.join(certDir, n)), pem: pemTypes(texts.get(n)!) };
      if (cert) summary.certificate = summarizeCertificate(cert, start, issuerOf(cert, cas));
      if (key) summary.key = key;
      return [n, summary];
    }),
  );
}

type Named<K extends string> = { name: string } & Record<K, Record<string, string | undefined>>;
const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');

/** A kubeconfig: its clusters (CA compared with the cluster CA file), contexts and users, client certificates summarized. */
export function summarizeKubeconfig(file: string, clusterCa: string, start: Date): KubeconfigSummary {
  const doc = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const clusters = (doc.clusters ?? []) as Named<'cluster'>[];
  const caOf = (data: string | undefined) => (data === undefined ? undefined : new x509.X509Certificate(decode(data)));
  return {
    mode: mode(file),
    clusters: clusters.map(({ name, cluster }) => {
      const data = cluster['certificate-authority-data'];
      const ca = data === undefined ? `file ${cluster['certificate-authority'] ?? '(none)'}` : decode(data) === clusterCa ? 'embedded: ca.crt' : 'embedded: not ca.crt';
      return { name, server: cluster.server ?? '', certificateAuthority: ca };
    }),
    contexts: ((doc.contexts ?? []) as Named<'context'>[]).map(({ name, context }) => ({ name, cluster: context.cluster ?? '', user: context.user ?? '' })),
    currentContext: String(doc['current-context'] ?? ''),
    users: ((doc.users ?? []) as Named<'user'>[]).map(({ name, user }) => {
      const certData = user['client-certificate-data'];
      const keyData = user['client-key-data'];
      const files = [user['client-certificate'], user['client-key']].filter((f): f is string => f !== undefined);
      if (!certData) return { name, ...(files.length && { files }) };
      const cert = new x509.X509Certificate(decode(certData));
      const ca = caOf(clusters[0]?.cluster['certificate-authority-data']);
      const summary = summarizeCertificate(cert, start, ca);
      const notBeforeIsIssuers = ca !== undefined && cert.notBefore.getTime() === ca.notBefore.getTime();
      return { name, clientCertificate: { ...summary, notBeforeIsIssuers }, ...(keyData && { clientKey: `${readKey(decode(keyData))} (${pemTypes(decode(keyData)).join()})` }) };
    }),
  };
}

/** The `certs` phase's files under `certDir` and the `kubeconfig` phase's files under `kubeconfigDir`, each against its start. */
export function summarizePki(dirs: { certDir: string; kubeconfigDir: string }, starts: { certs: Date; kubeconfig: Date }): PkiSummary {
  const clusterCa = readFileSync(path.join(dirs.certDir, 'ca.crt'), 'utf8');
  const kubeconfigs = readdirSync(dirs.kubeconfigDir).filter((f) => f.endsWith('.conf')).sort();
  return {
    files: summarizeCertDir(dirs.certDir, starts.certs),
    kubeconfigs: Object.fromEntries(kubeconfigs.map((f) => [f, summarizeKubeconfig(path.join(dirs.kubeconfigDir, f), clusterCa, starts.kubeconfig)])),
  };
}
