/**
 * Certificate renewal as kubeadm does it during upgrades: the same subject, usages and names as the certificate
 * on disk, a new key, signed by the local CA for the configured validity. A certificate whose CA key is not
 * on the node (external CA) is left alone.
 */
import path from 'node:path/posix';
import type { ClusterConfiguration } from '../config/types.js';
import { KUBERNETES_DIR, PUBLIC_MODE, SECRET_MODE } from '../kube/paths.js';
import { UserError } from '../errors.js';
import { READ_CAPS, type Host } from '../host/host.js';
import { createLeafCertificate, encodeCertificate, parseCertificate, type Certificate, type LeafRequest, type Signer, type Usage } from '../pki/certificate.js';
import { CERT_LIST, CLUSTER_CA, isEtcdCert, type CaSpec, type LeafSpec } from '../pki/certlist.js';
import { encodePrivateKey, generateKey, parsePrivateKey } from '../pki/keys.js';
import { validities } from '../pki/validity.js';
import { x509 } from '../pki/x509.js';
import { currentUser, parseKubeconfig } from '../kubeconfig/kubeconfig.js';
import { emitYaml } from '../util/yaml.js';
import type { Log } from './log.js';
import type { StaticPodComponent } from './static-pods.js';

/** What kubeadm renews before it restarts each component. */
export const COMPONENT_RENEWALS: Record<StaticPodComponent, { certs: string[]; kubeconfigs: string[] }> = {
  etcd: { certs: ['etcd-server', 'etcd-peer', 'etcd-healthcheck-client'], kubeconfigs: [] },
  'kube-apiserver': { certs: ['apiserver', 'apiserver-kubelet-client', 'front-proxy-client', 'apiserver-etcd-client'], kubeconfigs: [] },
  'kube-controller-manager': { certs: [], kubeconfigs: ['controller-manager.conf'] },
  'kube-scheduler': { certs: [], kubeconfigs: ['scheduler.conf'] },
};

/** The request that reproduces a certificate: its subject (CN, O), extended key usages and alternative names. */
export function renewalRequest(cert: Certificate): LeafRequest {
  const commonName = cert.subjectName.getField('CN')[0] ?? '';
  const organization = cert.subjectName.getField('O');
  const ekus = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  const usages: Usage[] = [];
  if (ekus.includes(x509.ExtendedKeyUsage.serverAuth)) usages.push('server');
  if (ekus.includes(x509.ExtendedKeyUsage.clientAuth)) usages.push('client');
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const altNames = {
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ips: names.filter((n) => n.type === 'ip').map((n) => n.value),
  };
  return {
    subject: organization.length ? { commonName, organization } : { commonName },
    usages,
    ...(altNames.dnsNames.length || altNames.ips.length ? { altNames } : {}),
  };
}

/** A CA that can sign here (its key is on the node), or undefined. */
async function localSigner(host: Host, certDir: string, ca: CaSpec): Promise<Signer | undefined> {
  const [certText, keyText] = await Promise.all([
    host.readFile(path.join(certDir, `${ca.baseName}.crt`), READ_CAPS.pki),
    host.readFile(path.join(certDir, `${ca.baseName}.key`), READ_CAPS.pki),
  ]);
  const cert = certText && parseCertificate(certText);
  const key = keyText && parsePrivateKey(keyText);
  return cert && key ? { cert, key } : undefined;
}

/** A new certificate like `cert` (and its new key), signed by `signer` for the configured validity. */
export async function renewedLeaf(cert: Certificate, signer: Signer, cluster: ClusterConfiguration): Promise<{ cert: Certificate; keyPem: string }> {
  const key = await generateKey(cluster.encryptionAlgorithm);
  const next = await createLeafCertificate(renewalRequest(cert), key, signer, validities(cluster, new Date()).leaf);
  return { cert: next, keyPem: encodePrivateKey(key.privateKey) };
}

async function renewCertificate(host: Host, cluster: ClusterConfiguration, spec: LeafSpec, log: Log): Promise<void> {
  const dir = cluster.certificatesDir;
  const certPath = path.join(dir, `${spec.baseName}.crt`);
  const text = await host.readFile(certPath, READ_CAPS.pki);
  if (!text) return log(`[upgrade/staticpods] ${certPath} not found: the "${spec.name}" certificate is not renewed`);
  const cert = parseCertificate(text);
  if (!cert) throw new UserError(`${certPath} is not a PEM certificate`);
  const signer = await localSigner(host, dir, spec.ca);
  if (!signer) return log(`[upgrade/staticpods] The "${spec.ca.name}" CA key is not on this node (external CA): "${spec.name}" is not renewed`);
  log(`[upgrade/staticpods] Renewing ${spec.name} certificate`);
  const next = await renewedLeaf(cert, signer, cluster);
  // The key first: an interrupted renewal leaves the old certificate with a key that does not match, which the next run renews.
  await host.writeFileAtomic(path.join(dir, `${spec.baseName}.key`), next.keyPem, SECRET_MODE);
  await host.writeFileAtomic(certPath, encodeCertificate(next.cert), PUBLIC_MODE);
}

/** Renews the client certificate embedded in a kubeconfig (its current context's user); file references are left alone. */
export async function renewKubeconfig(host: Host, cluster: ClusterConfiguration, file: string, log: Log): Promise<void> {
  const nodePath = path.join(KUBERNETES_DIR, file);
  const text = (await host.readFile(nodePath, READ_CAPS.kubeconfig))?.toString('utf8');
  if (text === undefined) return log(`[upgrade/staticpods] ${nodePath} not found: it is not renewed`);
  const doc = parseKubeconfig(text);
  const user = (currentUser(doc) ?? doc.users?.[0])?.user as Record<string, string> | undefined;
  const certPem = user?.['client-certificate-data'] && Buffer.from(user['client-certificate-data'], 'base64').toString('utf8');
  const cert = certPem ? parseCertificate(certPem) : undefined;
  if (!user || !cert) return log(`[upgrade/staticpods] ${nodePath} has no embedded client certificate: it is not renewed`);
  const signer = await localSigner(host, cluster.certificatesDir, CLUSTER_CA);
  if (!signer) return log(`[upgrade/staticpods] The "ca" key is not on this node (external CA): ${file} is not renewed`);
  log(`[upgrade/staticpods] Renewing ${file} certificate`);
  const next = await renewedLeaf(cert, signer, cluster);
  user['client-certificate-data'] = Buffer.from(encodeCertificate(next.cert)).toString('base64');
  user['client-key-data'] = Buffer.from(next.keyPem).toString('base64');
  await host.writeFileAtomic(nodePath, emitYaml(doc), SECRET_MODE);
}

/** Renews what `component` uses (its certificates or its kubeconfig), as kubeadm does before restarting it. */
export async function renewForComponent(host: Host, cluster: ClusterConfiguration, component: StaticPodComponent, log: Log): Promise<void> {
  const { certs, kubeconfigs } = COMPONENT_RENEWALS[component];
  for (const name of certs) {
    const spec = CERT_LIST.find((s): s is LeafSpec => s.kind === 'leaf' && s.name === name)!;
    // With an external etcd, its client certificates are the operator's.
    if (isEtcdCert(spec) && !cluster.etcd.local) continue;
    await renewCertificate(host, cluster, spec, log);
  }
  for (const file of kubeconfigs) await renewKubeconfig(host, cluster, file, log);
}
