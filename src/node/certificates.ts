/**
 * Certificates and keys on a control-plane node's disk: created when missing, reused when valid (a key on disk is
 * never replaced), refused with the file named when they do not fit. Shared by `init` and a joining control plane.
 */
import { posix } from 'node:path';
import type { InitConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { READ_CAPS, type Host } from '../host/host.js';
import { PUBLIC_MODE, SECRET_MODE } from '../kube/paths.js';
import { createCaCertificate, createLeafCertificate, encodeCertificate, parseCertificateChain, type Certificate } from '../pki/certificate.js';
import { SERVICE_ACCOUNT_KEY, isEtcdCert, type CaSpec, type CertSpec, type LeafSpec } from '../pki/certlist.js';
import { caProblem, KEY_MISMATCH, leafProblem, outlivesCaWarning, validityWarning } from '../pki/check.js';
import { nodePkiFromInit } from '../pki/input.js';
import type { KeyPool } from '../pki/key-pool.js';
import { encodePrivateKey, encodePublicKey, parsePrivateKey, parsePublicKey, samePublicKey, type KeyPair } from '../pki/keys.js';
import { validities } from '../pki/validity.js';
import type { Log } from './log.js';

/** What the certificate steps read: the node door, the configuration (a joining node's view of the cluster's), keys started ahead. */
export interface PkiInput {
  host: Host;
  cfg: InitConfig;
  keys: KeyPool;
}

/** A CA as found under the certificates dir; `key` is absent for an external CA. */
export interface LoadedCa {
  spec: CaSpec;
  cert: Certificate;
  key?: KeyPair;
  certPath: string;
  keyPath: string;
}

type KeySpec = CertSpec | typeof SERVICE_ACCOUNT_KEY;

/** kubeadm writes sa.pub like a key, 0600 (checked against kubeadm 1.37.1). */
const SA_PUB_MODE = SECRET_MODE;

const certPath = (dir: string, baseName: string) => posix.join(dir, `${baseName}.crt`);
const keyPath = (dir: string, baseName: string) => posix.join(dir, `${baseName}.key`);

function fail(message: string): never {
  throw new UserError(message);
}

/** The certificates of a `.crt` file, leaf first; undefined when there is no file. */
async function readCertificates(host: Host, path: string): Promise<Certificate[] | undefined> {
  const text = await host.readFile(path, READ_CAPS.pki);
  if (!text) return undefined;
  return parseCertificateChain(text) ?? fail(`${path} is not a PEM certificate`);
}

async function readKey(host: Host, path: string): Promise<KeyPair | undefined> {
  const text = await host.readFile(path, READ_CAPS.pki);
  if (!text) return undefined;
  return parsePrivateKey(text) ?? fail(`${path} is not a PEM RSA or ECDSA private key`);
}

/** kubeadm's warning for a certificate outside its validity period; with `ca`, also one when it outlives the CA. */
function warnIfOutOfDate(log: Log, baseName: string, cert: Certificate, now: Date, ca?: Certificate): void {
  const warning = validityWarning(cert, now);
  if (warning) log(`[certs] WARNING: could not validate bounds for certificate ${baseName}: ${warning}`);
  const outlives = ca && outlivesCaWarning(cert, ca);
  if (outlives) log(`[certs] WARNING: certificate ${baseName}: ${outlives}`);
}

/** The CA that signs `spec`'s certificates, read from the certificates dir (written earlier in this run or provided). */
export async function loadCa(host: Host, dir: string, spec: CaSpec): Promise<LoadedCa> {
  const paths = { certPath: certPath(dir, spec.baseName), keyPath: keyPath(dir, spec.baseName) };
  const [certs, key] = await Promise.all([readCertificates(host, paths.certPath), readKey(host, paths.keyPath)]);
  if (!certs) fail(`${paths.certPath} is missing: create the "${spec.name}" certificate authority first (bosun init phase certs ${spec.name})`);
  return { spec, cert: certs[0], key, ...paths };
}

/** Writes a new key (0600) before its certificate (0644): an interrupted run leaves a key the next run reuses. */
async function writePair(host: Host, dir: string, baseName: string, cert: Certificate, newKey: KeyPair | undefined) {
  if (newKey) await host.writeFileAtomic(keyPath(dir, baseName), encodePrivateKey(newKey.privateKey), SECRET_MODE);
  await host.writeFileAtomic(certPath(dir, baseName), encodeCertificate(cert), PUBLIC_MODE);
}

/** The CA's files on disk, refused with the file named when a certificate is there and does not fit. */
async function existingCa(host: Host, dir: string, spec: CaSpec) {
  const paths = { cert: certPath(dir, spec.baseName), key: keyPath(dir, spec.baseName) };
  const [certs, key] = await Promise.all([readCertificates(host, paths.cert), readKey(host, paths.key)]);
  const problem = certs && caProblem(certs[0], key);
  if (problem) fail(`${paths.cert}: ${problem}${key ? ` (${paths.key})` : ''}`);
  return { paths, certs, key };
}

export async function ensureCa(pki: PkiInput, log: Log, spec: CaSpec): Promise<void> {
  const { host, cfg } = pki;
  const dir = cfg.cluster.certificatesDir;
  const now = new Date();
  const { certs, key } = await existingCa(host, dir, spec);
  if (certs) {
    warnIfOutOfDate(log, spec.baseName, certs[0], now);
    log(`[certs] Using existing ${spec.baseName} ${key ? '' : 'keyless '}certificate authority`);
    return;
  }
  // A key without its certificate (an interrupted run) is kept: bosun never replaces a key.
  const pair = key ?? (await pki.keys.take(spec.name, cfg.cluster.encryptionAlgorithm));
  log(`[certs] Generating "${spec.baseName}" certificate and key`);
  const created = await createCaCertificate(spec.commonName, pair, validities(cfg.cluster, now).ca);
  await writePair(host, dir, spec.baseName, created, key ? undefined : pair);
}

/**
 * A leaf's files on disk, refused with the file named when a certificate is there and does not fit: its key, its
 * usages and names, and `caCert` (undefined when the CA is not on disk: a CA made now cannot have signed it).
 */
async function existingLeaf(pki: Pick<PkiInput, 'host' | 'cfg'>, spec: LeafSpec, caCert: Certificate | undefined) {
  const dir = pki.cfg.cluster.certificatesDir;
  const want = { usages: spec.usages, altNames: spec.altNames?.(nodePkiFromInit(pki.cfg)) };
  const paths = { cert: certPath(dir, spec.baseName), key: keyPath(dir, spec.baseName) };
  const [certs, key] = await Promise.all([readCertificates(pki.host, paths.cert), readKey(pki.host, paths.key)]);
  if (certs) {
    if (!key) fail(`${paths.cert} exists but its key ${paths.key} is missing`);
    if (!caCert) fail(`${paths.cert} exists but not the CA that signed it (${certPath(dir, spec.ca.baseName)}): provide both, or remove ${paths.cert}`);
    const problem = await leafProblem(certs, key, want, caCert);
    // The file at fault may be either of the two the problem is about: both are named.
    const other = problem === KEY_MISMATCH ? ` (${paths.key})` : problem?.startsWith('is not signed by') ? ` (${certPath(dir, spec.ca.baseName)})` : '';
    if (problem) fail(`${paths.cert}: ${problem}${other}`);
  }
  return { paths, certs, key, want };
}

export async function ensureLeaf(pki: PkiInput, log: Log, spec: LeafSpec): Promise<void> {
  const { host, cfg } = pki;
  const dir = cfg.cluster.certificatesDir;
  const node = nodePkiFromInit(cfg);
  const now = new Date();
  const ca = await loadCa(host, dir, spec.ca);
  const { paths, certs, key, want } = await existingLeaf(pki, spec, ca.cert);
  if (certs) {
    warnIfOutOfDate(log, spec.baseName, certs[0], now, ca.cert);
    log(`[certs] Using existing ${spec.baseName} certificate and key on disk`);
    return;
  }
  if (!ca.key) {
    fail(`${paths.cert} is missing and ${ca.keyPath} is not there to sign it: in external CA mode every certificate ${ca.certPath} signs must be provided`);
  }
  const pair = key ?? (await pki.keys.take(spec.name, cfg.cluster.encryptionAlgorithm));
  // Signing with an expired CA, or past its end, makes a certificate no one will trust: said before, not after.
  warnIfOutOfDate(log, spec.ca.baseName, ca.cert, now);
  log(`[certs] Generating "${spec.baseName}" certificate and key`);
  if (want.altNames) {
    const { dnsNames, ips } = want.altNames;
    log(`[certs] ${spec.baseName} serving cert is signed for DNS names [${dnsNames.join(' ')}] and IPs [${ips.join(' ')}]`);
  }
  const created = await createLeafCertificate(
    { subject: spec.subject(node), ...want },
    pair,
    { cert: ca.cert, key: ca.key },
    validities(cfg.cluster, now).leaf,
  );
  warnIfOutOfDate(log, spec.baseName, created, now, ca.cert);
  await writePair(host, dir, spec.baseName, created, key ? undefined : pair);
}

/** A CA or a leaf certificate; with an external etcd, etcd's certificates are the operator's and are skipped. */
export async function ensureCertificate(pki: PkiInput, log: Log, spec: CertSpec): Promise<void> {
  if (isEtcdCert(spec) && !pki.cfg.cluster.etcd.local) {
    log(`[certs] External etcd mode: Skipping ${spec.baseName} certificate ${spec.kind === 'ca' ? 'authority ' : ''}generation`);
  } else if (spec.kind === 'ca') await ensureCa(pki, log, spec);
  else await ensureLeaf(pki, log, spec);
}

/** The service-account key pair on disk, refused when its halves do not fit together. */
async function existingServiceAccountKey(host: Host, dir: string) {
  const paths = { key: keyPath(dir, SERVICE_ACCOUNT_KEY.baseName), pub: posix.join(dir, `${SERVICE_ACCOUNT_KEY.baseName}.pub`) };
  const [key, pubText] = await Promise.all([readKey(host, paths.key), host.readFile(paths.pub, READ_CAPS.pki)]);
  if (key && pubText) {
    const pub = parsePublicKey(pubText) ?? fail(`${paths.pub} is not a PEM public key`);
    if (!samePublicKey(pub, key.publicKey)) fail(`${paths.pub} does not match the private key ${paths.key}`);
  }
  if (!key && pubText) fail(`${paths.pub} exists without its private key ${paths.key}: provide the key or remove both`);
  return { paths, key, pubText };
}

export async function ensureServiceAccountKey(pki: PkiInput, log: Log): Promise<void> {
  const { host, cfg } = pki;
  const { paths, key, pubText } = await existingServiceAccountKey(host, cfg.cluster.certificatesDir);
  if (key) {
    log(`[certs] Using the existing "${SERVICE_ACCOUNT_KEY.name}" key`);
    if (!pubText) await host.writeFileAtomic(paths.pub, encodePublicKey(key.publicKey), SA_PUB_MODE);
    return;
  }
  const pair = await pki.keys.take(SERVICE_ACCOUNT_KEY.name, cfg.cluster.encryptionAlgorithm);
  log(`[certs] Generating "${SERVICE_ACCOUNT_KEY.name}" key and public key`);
  await host.writeFileAtomic(paths.key, encodePrivateKey(pair.privateKey), SECRET_MODE);
  await host.writeFileAtomic(paths.pub, encodePublicKey(pair.publicKey), SA_PUB_MODE);
}

/**
 * Refuses, before the steps for `specs` write anything, what they would refuse about files already on disk: a run
 * that stops at its fifth certificate must not have written the first four (bad input changes nothing).
 */
export async function checkExistingPki(pki: Pick<PkiInput, 'host' | 'cfg'>, specs: KeySpec[]): Promise<void> {
  const { host, cfg } = pki;
  const dir = cfg.cluster.certificatesDir;
  for (const spec of specs) {
    if (!('kind' in spec)) await existingServiceAccountKey(host, dir);
    else if (isEtcdCert(spec) && !cfg.cluster.etcd.local) continue;
    else if (spec.kind === 'ca') await existingCa(host, dir, spec);
    else await existingLeaf(pki, spec, (await readCertificates(host, certPath(dir, spec.ca.baseName)))?.[0]);
  }
}

/** Whether a step will need a new key: not when its certificate or its key is already there. */
async function needsNewKey(pki: Pick<PkiInput, 'host' | 'cfg'>, spec: KeySpec): Promise<boolean> {
  const dir = pki.cfg.cluster.certificatesDir;
  if ('kind' in spec && isEtcdCert(spec) && !pki.cfg.cluster.etcd.local) return false;
  const probe = 'kind' in spec ? certPath(dir, spec.baseName) : posix.join(dir, `${spec.baseName}.pub`);
  const [cert, key] = await Promise.all([pki.host.stat(probe), pki.host.stat(keyPath(dir, spec.baseName))]);
  return !cert && !key;
}

/** Starts generating the keys the steps for `specs` will create, so they are made in parallel while the steps run in order. */
export async function startCertificateKeys(pki: PkiInput, specs: KeySpec[]): Promise<void> {
  const needed = await Promise.all(specs.map((spec) => needsNewKey(pki, spec)));
  specs.filter((_, i) => needed[i]).forEach((spec) => pki.keys.start(spec.name, pki.cfg.cluster.encryptionAlgorithm));
}
