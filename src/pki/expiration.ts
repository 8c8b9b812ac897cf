/**
 * When each certificate of a node expires, as kubeadm's `certs check-expiration` reports it: the object
 * (output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo) both its table and its JSON/YAML are made from.
 */
import type { Certificate } from './certificate.js';
import { CERT_LIST, CLUSTER_CA, isEtcdCert, type CaSpec, type LeafSpec } from './certlist.js';
import { KUBECONFIG_FILES } from '../kube/paths.js';

/** One row: a certificate (or a kubeconfig's client certificate), or a CA. */
export interface CertificateExpiration {
  name: string;
  /** Absent when the file is missing. */
  expirationDate?: Date;
  /** Whole seconds from now to the expiration (negative once expired); 0 when missing. */
  residualTimeSeconds: number;
  externallyManaged: boolean;
  /** The CA's name (`etcd-ca`); CAs have none, nor a certificate that no known CA signed. */
  caName?: string;
  missing: boolean;
}

export interface CertificateExpirationInfo {
  certificates: CertificateExpiration[];
  certificateAuthorities: CertificateExpiration[];
}

/** The kubeconfigs whose client certificates kubeadm lists (the kubelet's is the kubelet's to rotate). */
export const EXPIRING_KUBECONFIGS = [KUBECONFIG_FILES.admin, KUBECONFIG_FILES.superAdmin, KUBECONFIG_FILES.controllerManager, KUBECONFIG_FILES.scheduler];

/** The certificates and CAs kubeadm lists: without etcd's when etcd is external (they are the operator's). */
export function expiringSpecs(localEtcd: boolean): { leaves: LeafSpec[]; cas: CaSpec[] } {
  const specs = CERT_LIST.filter((spec) => localEtcd || !isEtcdCert(spec));
  return {
    leaves: specs.filter((s): s is LeafSpec => s.kind === 'leaf'),
    cas: specs.filter((s): s is CaSpec => s.kind === 'ca'),
  };
}

/** The CA of a kubeconfig's client certificate: kubeadm signs them all with the cluster CA. */
export const KUBECONFIG_CA = CLUSTER_CA;

/** A row for `cert` (undefined: missing), at `now`. */
export function expirationOf(name: string, cert: Certificate | undefined, now: Date, ca?: { name: string; externallyManaged: boolean }): CertificateExpiration {
  if (!cert) return { name, residualTimeSeconds: 0, externallyManaged: false, missing: true };
  return {
    name,
    expirationDate: cert.notAfter,
    residualTimeSeconds: Math.trunc((cert.notAfter.getTime() - now.getTime()) / 1000),
    externallyManaged: ca?.externallyManaged ?? false,
    ...(ca && { caName: ca.name }),
    missing: false,
  };
}

/** kubeadm sorts both lists by name. */
export const byName = (a: CertificateExpiration, b: CertificateExpiration): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
