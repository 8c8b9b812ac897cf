/**
 * `certs renew`: which of kubeadm's certificates and kubeconfigs can be renewed on this node and which cannot (each
 * refusal with its reason), then the renewal of one: a new key with the cluster's algorithm, the attributes of the
 * certificate on disk, the configured validity, signed by the local CA. CAs are never renewed.
 */
import path from 'node:path/posix';
import type { ClusterConfiguration } from '../config/types.js';
import { UserError } from '../errors.js';
import { READ_CAPS, type Host } from '../host/host.js';
import { PUBLIC_MODE, SECRET_MODE } from '../kube/paths.js';
import { currentUser, parseKubeconfig } from '../kubeconfig/kubeconfig.js';
import { encodeCertificate, parseCertificate, type Certificate } from '../pki/certificate.js';
import { type CaSpec, type LeafSpec } from '../pki/certlist.js';
import { expiringSpecs, EXPIRING_KUBECONFIGS, KUBECONFIG_CA } from '../pki/expiration.js';
import { parsePrivateKey } from '../pki/keys.js';
import { emitYaml } from '../util/yaml.js';
import type { Log } from './log.js';
import { COMPONENT_RENEWALS, renewedLeaf } from './renew-certificates.js';
import { STATIC_POD_COMPONENTS, type StaticPodComponent } from './static-pods.js';

/** One certificate to renew: where it is, what it is now, and the CA that will sign the new one. */
export interface Renewal {
  name: string;
  /** The `.crt` file, or the kubeconfig that embeds the certificate. */
  file: string;
  kind: 'certificate' | 'kubeconfig';
  cert: Certificate;
  ca: { spec: CaSpec; cert: Certificate; keyPem: Buffer };
}

export interface RenewalPlan {
  renew: Renewal[];
  /** Certificates that cannot be renewed here, each with the reason. */
  refused: Array<{ name: string; reason: string }>;
  /** Certificates left alone because they expire after the `--before` window. */
  notDue: Array<{ name: string; notAfter: Date }>;
}

export interface RenewalRequest {
  /** kubeadm's names, or `all`. */
  names: string[] | 'all';
  /** Only certificates that expire within this many milliseconds of now. */
  beforeMs?: number;
  kubeconfigDir: string;
}

/** Every name `certs renew` takes, as kubeadm names them. */
export function renewableNames(localEtcd: boolean): string[] {
  return [...expiringSpecs(true).leaves.map((s) => s.name), ...EXPIRING_KUBECONFIGS].filter((n) => localEtcd || !isEtcdName(n)).sort();
}

const isEtcdName = (name: string) => expiringSpecs(true).leaves.some((s) => s.name === name) && !expiringSpecs(false).leaves.some((s) => s.name === name);

type Found = { cert: Certificate; file: string; kind: Renewal['kind']; ca: CaSpec } | { refused: string };

async function findLeaf(host: Host, certDir: string, spec: LeafSpec): Promise<Found> {
  const file = path.join(certDir, `${spec.baseName}.crt`);
  const text = await host.readFile(file, READ_CAPS.pki);
  if (!text) return { refused: `${file} does not exist: there is no certificate to renew (bosun init phase certs ${spec.name} creates one)` };
  const cert = parseCertificate(text) ?? fail(`${file} is not a PEM certificate`);
  return { cert, file, kind: 'certificate', ca: spec.ca };
}

async function findKubeconfig(host: Host, kubeconfigDir: string, name: string): Promise<Found> {
  const file = path.join(kubeconfigDir, name);
  const text = await host.readFile(file, READ_CAPS.kubeconfig);
  if (!text) return { refused: `${file} does not exist: there is no certificate to renew` };
  const pem = embeddedClient(parseKubeconfig(text.toString('utf8')))?.['client-certificate-data'];
  const cert = pem ? parseCertificate(Buffer.from(pem, 'base64')) : undefined;
  if (!cert) return { refused: `${file} has no embedded client certificate (client-certificate-data): it is not kubeadm's to renew` };
  return { cert, file, kind: 'kubeconfig', ca: KUBECONFIG_CA };
}

/** The user entry holding the client certificate: the current context's, else the first. */
function embeddedClient(doc: ReturnType<typeof parseKubeconfig>): Record<string, string> | undefined {
  return (currentUser(doc) ?? doc.users?.[0])?.user as Record<string, string> | undefined;
}

function fail(message: string): never {
  throw new UserError(message);
}

/** The CA of a renewal, able to sign here; or why not. */
async function signerOf(host: Host, certDir: string, spec: CaSpec): Promise<Renewal['ca'] | { refused: string }> {
  const certFile = path.join(certDir, `${spec.baseName}.crt`);
  const keyFile = path.join(certDir, `${spec.baseName}.key`);
  const [certText, keyPem] = await Promise.all([host.readFile(certFile, READ_CAPS.pki), host.readFile(keyFile, READ_CAPS.pki)]);
  if (!certText) return { refused: `its CA certificate ${certFile} does not exist` };
  const cert = parseCertificate(certText) ?? fail(`${certFile} is not a PEM certificate`);
  if (!keyPem) return { refused: `its CA "${spec.name}" is externally managed (${certFile} without ${keyFile}): renew it with the external CA` };
  if (!parsePrivateKey(keyPem)) fail(`${keyFile} is not a PEM RSA or ECDSA private key`);
  return { spec, cert, keyPem };
}

/** What `certs renew` would do: unknown names refused before anything is read. */
export async function planRenewals(host: Host, cluster: ClusterConfiguration, request: RenewalRequest, now: Date): Promise<RenewalPlan> {
  const localEtcd = Boolean(cluster.etcd.local);
  const known = renewableNames(true);
  const names = request.names === 'all' ? renewableNames(localEtcd) : request.names;
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) fail(`unknown certificate ${unknown.map((n) => `"${n}"`).join(', ')}; certs renew takes all or one of: ${known.join(', ')}`);
  const plan: RenewalPlan = { renew: [], refused: [], notDue: [] };
  const leaves = expiringSpecs(true).leaves;
  for (const name of names) {
    if (isEtcdName(name) && !localEtcd) {
      plan.refused.push({ name, reason: 'etcd is external (ClusterConfiguration.etcd.external): its certificates are not renewed here' });
      continue;
    }
    const spec = leaves.find((s) => s.name === name);
    const found = spec ? await findLeaf(host, cluster.certificatesDir, spec) : await findKubeconfig(host, request.kubeconfigDir, name);
    if ('refused' in found) {
      plan.refused.push({ name, reason: found.refused });
      continue;
    }
    const ca = await signerOf(host, cluster.certificatesDir, found.ca);
    if ('refused' in ca) plan.refused.push({ name, reason: ca.refused });
    else if (request.beforeMs !== undefined && found.cert.notAfter.getTime() - now.getTime() > request.beforeMs)
      plan.notDue.push({ name, notAfter: found.cert.notAfter });
    else plan.renew.push({ name, file: found.file, kind: found.kind, cert: found.cert, ca });
  }
  return plan;
}

/**
 * Renews one certificate. A key and its certificate go together: should the certificate not be written, the key
 * that was there is put back, so the pair on disk always matches.
 */
export async function renewOne(host: Host, cluster: ClusterConfiguration, renewal: Renewal, log: Log): Promise<void> {
  const signer = { cert: renewal.ca.cert, key: parsePrivateKey(renewal.ca.keyPem)! };
  const next = await renewedLeaf(renewal.cert, signer, cluster);
  log(`[certs] Renewing ${renewal.name}: ${renewal.file}`);
  if (renewal.kind === 'kubeconfig') {
    const text = (await host.readFile(renewal.file, READ_CAPS.kubeconfig))!.toString('utf8');
    const doc = parseKubeconfig(text);
    const user = embeddedClient(doc)!;
    user['client-certificate-data'] = Buffer.from(encodeCertificate(next.cert)).toString('base64');
    user['client-key-data'] = Buffer.from(next.keyPem).toString('base64');
    await host.writeFileAtomic(renewal.file, emitYaml(doc), SECRET_MODE);
    return;
  }
  const keyFile = renewal.file.replace(/\.crt$/, '.key');
  const oldKey = await host.readFile(keyFile, READ_CAPS.pki);
  await host.writeFileAtomic(keyFile, next.keyPem, SECRET_MODE);
  try {
    await host.writeFileAtomic(renewal.file, encodeCertificate(next.cert), PUBLIC_MODE);
  } catch (err) {
    if (oldKey) await host.writeFileAtomic(keyFile, oldKey, SECRET_MODE);
    throw err;
  }
}

/** The static Pods that read a renewed certificate, in kubeadm's upgrade order: they must restart to load it. */
export function componentsToRestart(renewed: string[]): StaticPodComponent[] {
  return STATIC_POD_COMPONENTS.filter((c) => [...COMPONENT_RENEWALS[c].certs, ...COMPONENT_RENEWALS[c].kubeconfigs].some((n) => renewed.includes(n)));
}
