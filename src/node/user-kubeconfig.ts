/**
 * A kubeconfig for one more user of the cluster, as `kubeadm kubeconfig user` prints it: the cluster CA embedded,
 * and either a client certificate the CA signs on this node or a token the operator gives.
 */
import type { EncryptionAlgorithm } from '../config/types.js';
import { UserError } from '../errors.js';
import type { Host } from '../host/host.js';
import { buildKubeconfig, type Kubeconfig, type KubeconfigCredentials } from '../kubeconfig/kubeconfig.js';
import { createLeafCertificate, encodeCertificate } from '../pki/certificate.js';
import { CLUSTER_CA } from '../pki/certlist.js';
import { encodePrivateKey, generateKey } from '../pki/keys.js';
import { loadCa, type LoadedCa } from './certificates.js';

/** Which cluster the kubeconfig points at and where its CA is. */
export interface UserKubeconfigCluster {
  clusterName: string;
  server: string;
  certificatesDir: string;
  encryptionAlgorithm: EncryptionAlgorithm;
}

/** Who the user is: the certificate's CN and O, or a token instead of a certificate. */
export interface UserKubeconfigRequest {
  clientName: string;
  organizations: string[];
  /** The client certificate's lifetime from now, in milliseconds. */
  validityMs: number;
  token?: string;
}

async function clientCertificate(ca: LoadedCa, cluster: UserKubeconfigCluster, request: UserKubeconfigRequest, now: Date): Promise<KubeconfigCredentials> {
  if (!ca.key) {
    throw new UserError(
      `${ca.keyPath} is missing (external CA): bosun cannot sign a client certificate for ${request.clientName}; use --token, or have the external CA sign one`,
    );
  }
  const key = await generateKey(cluster.encryptionAlgorithm);
  const subject = { commonName: request.clientName, organization: request.organizations };
  // kubeadm starts a kubeconfig's certificate when its CA starts, not 5 minutes back as for the `certs` phase.
  const validity = { now, lifetimeMs: request.validityMs, notBefore: ca.cert.notBefore };
  const cert = await createLeafCertificate({ subject, usages: ['client'] }, key, { cert: ca.cert, key: ca.key }, validity);
  return { clientCertPem: encodeCertificate(cert), clientKeyPem: encodePrivateKey(key.privateKey) };
}

/** Reads the cluster CA (and its key, unless a token is the credential) through `host`; writes nothing. */
export async function userKubeconfig(host: Host, cluster: UserKubeconfigCluster, request: UserKubeconfigRequest, now: Date): Promise<Kubeconfig> {
  const ca = await loadCa(host, cluster.certificatesDir, CLUSTER_CA);
  const credentials = request.token !== undefined ? { token: request.token } : await clientCertificate(ca, cluster, request, now);
  return buildKubeconfig({
    clusterName: cluster.clusterName,
    server: cluster.server,
    caCertPem: encodeCertificate(ca.cert),
    userName: request.clientName,
    credentials,
  });
}
