/**
 * Reads a node's certificates for `certs check-expiration`: kubeadm's list (the PKI under the certificates dir and
 * the client certificates of the control-plane kubeconfigs), plus the kubelet's own client and serving certificates.
 */
import path from 'node:path/posix';
import { UserError } from '../errors.js';
import { READ_CAPS, type Host } from '../host/host.js';
import { KUBELET_DIR } from '../kube/paths.js';
import { readKubeconfigTarget } from '../kubeconfig/kubeconfig.js';
import { parseCertificate, type Certificate } from '../pki/certificate.js';
import type { CaSpec } from '../pki/certlist.js';
import { byName, expirationOf, expiringSpecs, EXPIRING_KUBECONFIGS, KUBECONFIG_CA, type CertificateExpirationInfo } from '../pki/expiration.js';

/** Where the certificates are: the certificates dir, the kubeconfigs' dir, and whether etcd is local. */
export interface ExpirationSources {
  certDir: string;
  kubeconfigDir: string;
  localEtcd: boolean;
}

/** The kubelet's certificates: the rotated client one, and the serving one (rotated, or the kubelet's self-signed). */
const KUBELET_CERTS: Array<{ name: string; files: string[] }> = [
  { name: 'kubelet-client', files: ['kubelet-client-current.pem'] },
  { name: 'kubelet-serving', files: ['kubelet-server-current.pem', 'kubelet.crt'] },
];

/** The certificate of a PEM file; undefined when there is no file, refused naming it when it is not a certificate. */
async function readCertificate(host: Host, file: string): Promise<Certificate | undefined> {
  const text = await host.readFile(file, READ_CAPS.pki);
  if (!text) return undefined;
  return parseCertificate(text) ?? failUnreadable(file, 'is not a PEM certificate');
}

function failUnreadable(file: string, problem: string): never {
  throw new UserError(`${file} ${problem}`);
}

/** A kubeconfig's embedded client certificate (its current context's user), as kubeadm reads it. */
async function kubeconfigCertificate(host: Host, file: string): Promise<Certificate | undefined> {
  const text = await host.readFile(file, READ_CAPS.kubeconfig);
  if (!text) return undefined;
  let pem;
  try {
    pem = readKubeconfigTarget(text.toString('utf8')).clientCertPem;
  } catch (err) {
    failUnreadable(file, (err as Error).message);
  }
  return (pem && parseCertificate(pem)) || failUnreadable(file, "has no embedded client certificate (its user's client-certificate-data)");
}

interface LoadedCa {
  spec: CaSpec;
  cert?: Certificate;
  /** The certificate is there without its key: someone else signs with it. */
  external: boolean;
}

async function loadCa(host: Host, certDir: string, spec: CaSpec): Promise<LoadedCa> {
  const cert = await readCertificate(host, path.join(certDir, `${spec.baseName}.crt`));
  const key = cert && (await host.stat(path.join(certDir, `${spec.baseName}.key`)));
  return { spec, cert, external: Boolean(cert) && !key };
}

/** The kubelet's rows: only for certificates that are there; the CA named when the cluster CA issued it. */
async function kubeletExpirations(host: Host, clusterCa: LoadedCa | undefined, now: Date) {
  const rows = [];
  for (const { name, files } of KUBELET_CERTS) {
    let cert: Certificate | undefined;
    for (const file of files) cert ??= await readCertificate(host, path.join(KUBELET_DIR, 'pki', file));
    if (!cert) continue;
    const signed =
      clusterCa?.cert && cert.issuer === clusterCa.cert.subject && (await cert.verify({ publicKey: clusterCa.cert.publicKey, signatureOnly: true }));
    rows.push(expirationOf(name, cert, now, signed ? { name: clusterCa.spec.name, externallyManaged: false } : undefined));
  }
  return rows;
}

/** kubeadm's CertificateExpirationInfo for the node, with the kubelet's certificates after kubeadm's own. */
export async function readExpirationInfo(host: Host, sources: ExpirationSources, now: Date): Promise<CertificateExpirationInfo> {
  const { leaves, cas } = expiringSpecs(sources.localEtcd);
  const loaded = new Map<CaSpec, LoadedCa>();
  for (const spec of cas) loaded.set(spec, await loadCa(host, sources.certDir, spec));
  const signer = (spec: CaSpec) => ({ name: spec.name, externallyManaged: loaded.get(spec)?.external ?? false });
  const certificates = [];
  for (const spec of leaves) {
    certificates.push(expirationOf(spec.name, await readCertificate(host, path.join(sources.certDir, `${spec.baseName}.crt`)), now, signer(spec.ca)));
  }
  for (const file of EXPIRING_KUBECONFIGS) {
    certificates.push(expirationOf(file, await kubeconfigCertificate(host, path.join(sources.kubeconfigDir, file)), now, signer(KUBECONFIG_CA)));
  }
  const certificateAuthorities = [...loaded.values()].map((ca) => ({ ...expirationOf(ca.spec.name, ca.cert, now), externallyManaged: ca.external }));
  return {
    certificates: [...certificates.sort(byName), ...(await kubeletExpirations(host, loaded.get(KUBECONFIG_CA), now))],
    certificateAuthorities: certificateAuthorities.sort(byName),
  };
}
