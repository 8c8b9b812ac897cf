import { posix } from 'node:path';
import { PUBLIC_MODE, SECRET_MODE } from '../../../kube/paths.js';
import { UserError } from '../../../errors.js';
import type { Host } from '../../../host/host.js';
import {
  createCaCertificate,
  createLeafCertificate,
  encodeCertificate,
  parseCertificateChain,
  type Certificate,
} from '../../../pki/certificate.js';
import { CERT_LIST, SERVICE_ACCOUNT_KEY, isEtcdCert, type CaSpec, type CertSpec, type LeafSpec } from '../../../pki/certlist.js';
import { caProblem, leafProblem, validityWarning } from '../../../pki/check.js';
import { nodePkiFromInit } from '../../../pki/input.js';
import { encodePrivateKey, encodePublicKey, parsePrivateKey, parsePublicKey, samePublicKey, type KeyPair } from '../../../pki/keys.js';
import { validities } from '../../../pki/validity.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

/** A CA as found under the certificates dir; `key` is absent for an external CA. */
export interface LoadedCa {
  spec: CaSpec;
  cert: Certificate;
  key?: KeyPair;
  certPath: string;
  keyPath: string;
}

/** kubeadm writes sa.pub like a key, 0600 (checked against kubeadm 1.37.1). */
const SA_PUB_MODE = SECRET_MODE;

const certPath = (dir: string, baseName: string) => posix.join(dir, `${baseName}.crt`);
const keyPath = (dir: string, baseName: string) => posix.join(dir, `${baseName}.key`);

/** The certificates of a `.crt` file, leaf first; undefined when there is no file. */
async function readCertificates(host: Host, path: string): Promise<Certificate[] | undefined> {
  const text = await host.readFile(path);
  if (!text) return undefined;
  return parseCertificateChain(text) ?? fail(`${path} is not a PEM certificate`);
}

async function readKey(host: Host, path: string): Promise<KeyPair | undefined> {
  const text = await host.readFile(path);
  if (!text) return undefined;
  return parsePrivateKey(text) ?? fail(`${path} is not a PEM RSA or ECDSA private key`);
}

function warnIfOutOfDate(io: PhaseIO, baseName: string, cert: Certificate, now: Date): void {
  const warning = validityWarning(cert, now);
  if (warning) io.log(`[certs] WARNING: could not validate bounds for certificate ${baseName}: ${warning}`);
}

function fail(message: string): never {
  throw new UserError(message);
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

async function ensureCa(ctx: InitContext, io: PhaseIO, spec: CaSpec): Promise<void> {
  const { host, cfg } = ctx;
  const dir = cfg.cluster.certificatesDir;
  const now = new Date();
  const paths = { cert: certPath(dir, spec.baseName), key: keyPath(dir, spec.baseName) };
  const [certs, key] = await Promise.all([readCertificates(host, paths.cert), readKey(host, paths.key)]);
  if (certs) {
    const problem = caProblem(certs[0], key);
    if (problem) fail(`${paths.cert}: ${problem}${key ? ` (${paths.key})` : ''}`);
    warnIfOutOfDate(io, spec.baseName, certs[0], now);
    io.log(`[certs] Using existing ${spec.baseName} ${key ? '' : 'keyless '}certificate authority`);
    return;
  }
  // A key without its certificate (an interrupted run) is kept: bosun never replaces a key.
  const pair = key ?? (await ctx.keys.take(spec.name, cfg.cluster.encryptionAlgorithm));
  io.log(`[certs] Generating "${spec.baseName}" certificate and key`);
  const created = await createCaCertificate(spec.commonName, pair, validities(cfg.cluster, now).ca);
  await writePair(host, dir, spec.baseName, created, key ? undefined : pair);
}

/** What the certificate steps read: also a joining control-plane node's view of the cluster's configuration. */
export type PkiContext = Pick<InitContext, 'host' | 'cfg' | 'keys'>;

export async function ensureLeaf(ctx: PkiContext, io: PhaseIO, spec: LeafSpec): Promise<void> {
  const { host, cfg } = ctx;
  const dir = cfg.cluster.certificatesDir;
  const node = nodePkiFromInit(cfg);
  const now = new Date();
  const want = { usages: spec.usages, altNames: spec.altNames?.(node) };
  const paths = { cert: certPath(dir, spec.baseName), key: keyPath(dir, spec.baseName) };
  const [ca, certs, key] = await Promise.all([
    loadCa(host, dir, spec.ca),
    readCertificates(host, paths.cert),
    readKey(host, paths.key),
  ]);
  if (certs) {
    if (!key) fail(`${paths.cert} exists but its key ${paths.key} is missing`);
    const problem = await leafProblem(certs, key, want, ca.cert);
    if (problem) fail(`${paths.cert}: ${problem}`);
    warnIfOutOfDate(io, spec.baseName, certs[0], now);
    io.log(`[certs] Using existing ${spec.baseName} certificate and key on disk`);
    return;
  }
  if (!ca.key) {
    fail(`${paths.cert} is missing and ${ca.keyPath} is not there to sign it: in external CA mode every certificate ${ca.certPath} signs must be provided`);
  }
  const pair = key ?? (await ctx.keys.take(spec.name, cfg.cluster.encryptionAlgorithm));
  io.log(`[certs] Generating "${spec.baseName}" certificate and key`);
  if (want.altNames) {
    const { dnsNames, ips } = want.altNames;
    io.log(`[certs] ${spec.baseName} serving cert is signed for DNS names [${dnsNames.join(' ')}] and IPs [${ips.join(' ')}]`);
  }
  const created = await createLeafCertificate({ subject: spec.subject(node), ...want }, pair, { cert: ca.cert, key: ca.key }, validities(cfg.cluster, now).leaf);
  await writePair(host, dir, spec.baseName, created, key ? undefined : pair);
}

async function ensureServiceAccountKey(ctx: InitContext, io: PhaseIO): Promise<void> {
  const { host, cfg } = ctx;
  const dir = cfg.cluster.certificatesDir;
  const paths = { key: keyPath(dir, SERVICE_ACCOUNT_KEY.baseName), pub: posix.join(dir, `${SERVICE_ACCOUNT_KEY.baseName}.pub`) };
  const [key, pubText] = await Promise.all([readKey(host, paths.key), host.readFile(paths.pub)]);
  if (key) {
    if (pubText) {
      const pub = parsePublicKey(pubText) ?? fail(`${paths.pub} is not a PEM public key`);
      if (!samePublicKey(pub, key.publicKey)) fail(`${paths.pub} does not match the private key ${paths.key}`);
    }
    io.log(`[certs] Using the existing "${SERVICE_ACCOUNT_KEY.name}" key`);
    if (!pubText) await host.writeFileAtomic(paths.pub, encodePublicKey(key.publicKey), SA_PUB_MODE);
    return;
  }
  if (pubText) fail(`${paths.pub} exists without its private key ${paths.key}: provide the key or remove both`);
  const pair = await ctx.keys.take(SERVICE_ACCOUNT_KEY.name, cfg.cluster.encryptionAlgorithm);
  io.log(`[certs] Generating "${SERVICE_ACCOUNT_KEY.name}" key and public key`);
  await host.writeFileAtomic(paths.key, encodePrivateKey(pair.privateKey), SECRET_MODE);
  await host.writeFileAtomic(paths.pub, encodePublicKey(pair.publicKey), SA_PUB_MODE);
}

/** Whether a child phase will need a new key: not when its certificate or its key is already there. */
export async function needsNewKey(ctx: Pick<InitContext, 'host' | 'cfg'>, spec: CertSpec | typeof SERVICE_ACCOUNT_KEY): Promise<boolean> {
  const dir = ctx.cfg.cluster.certificatesDir;
  if ('kind' in spec && isEtcdCert(spec) && !ctx.cfg.cluster.etcd.local) return false;
  const probe = 'kind' in spec ? certPath(dir, spec.baseName) : posix.join(dir, `${spec.baseName}.pub`);
  const [cert, key] = await Promise.all([ctx.host.stat(probe), ctx.host.stat(keyPath(dir, spec.baseName))]);
  return !cert && !key;
}

const DESCRIPTIONS: Record<string, string> = {
  ca: 'Generate the self-signed Kubernetes CA to provision identities for other Kubernetes components',
  apiserver: 'Generate the certificate for serving the Kubernetes API',
  'apiserver-kubelet-client': 'Generate the certificate for the API server to connect to kubelet',
  'front-proxy-ca': 'Generate the self-signed CA to provision identities for front proxy',
  'front-proxy-client': 'Generate the certificate for the front proxy client',
  'etcd-ca': 'Generate the self-signed CA to provision identities for etcd',
  'etcd-server': 'Generate the certificate for serving etcd',
  'etcd-peer': 'Generate the certificate for etcd nodes to communicate with each other',
  'etcd-healthcheck-client': 'Generate the certificate for liveness probes to healthcheck etcd',
  'apiserver-etcd-client': 'Generate the certificate the apiserver uses to access etcd',
};

function certPhase(spec: CertSpec): Phase<InitContext> {
  return {
    name: spec.name,
    description: DESCRIPTIONS[spec.name],
    help: `Writes ${spec.baseName}.crt and ${spec.baseName}.key under the certificates dir; existing valid files are kept.`,
    run: async (ctx, io) => {
      if (isEtcdCert(spec) && !ctx.cfg.cluster.etcd.local) {
        io.log(`[certs] External etcd mode: Skipping ${spec.baseName} certificate ${spec.kind === 'ca' ? 'authority ' : ''}generation`);
      } else if (spec.kind === 'ca') await ensureCa(ctx, io, spec);
      else await ensureLeaf(ctx, io, spec);
    },
  };
}

export const certsPhase: Phase<InitContext> = {
  name: 'certs',
  description: 'Certificate generation',
  help: 'Reuses valid certificates and keys already present; ca.crt without ca.key is an external CA.',
  // Starts every key the selected children will create, so they are generated in parallel while the children run in order.
  run: async (ctx, io) => {
    io.log(`[certs] Using certificateDir folder "${ctx.cfg.cluster.certificatesDir}"`);
    const wanted = [...CERT_LIST, SERVICE_ACCOUNT_KEY].filter((spec) => io.selected(`certs/${spec.name}`));
    const needed = await Promise.all(wanted.map((spec) => needsNewKey(ctx, spec)));
    wanted.filter((_, i) => needed[i]).forEach((spec) => ctx.keys.start(spec.name, ctx.cfg.cluster.encryptionAlgorithm));
  },
  phases: [
    ...CERT_LIST.map(certPhase),
    {
      name: SERVICE_ACCOUNT_KEY.name,
      description: 'Generate a private key for signing service account tokens along with its public key',
      help: 'Writes sa.key and sa.pub under the certificates dir; an existing key is kept.',
      run: ensureServiceAccountKey,
    },
  ],
};
