import type { AltNames, Subject, Usage } from './certificate.js';
import { apiServerAltNames, etcdAltNames } from './alt-names.js';
import type { NodePki } from './input.js';

/** A certificate authority kubeadm creates: self-signed, `<baseName>.crt/.key` under the certificates dir. */
export interface CaSpec {
  kind: 'ca';
  /** Phase name (`etcd-ca`). */
  name: string;
  /** File base under the certificates dir, also the name in log lines (`etcd/ca`). */
  baseName: string;
  commonName: string;
}

/** A leaf certificate signed by one of the CAs. */
export interface LeafSpec {
  kind: 'leaf';
  name: string;
  baseName: string;
  ca: CaSpec;
  usages: Usage[];
  subject(node: NodePki): Subject;
  /** Only serving certificates have names. */
  altNames?(node: NodePki): AltNames;
}

export type CertSpec = CaSpec | LeafSpec;

export const CLUSTER_CA: CaSpec = { kind: 'ca', name: 'ca', baseName: 'ca', commonName: 'kubernetes' };
export const FRONT_PROXY_CA: CaSpec = { kind: 'ca', name: 'front-proxy-ca', baseName: 'front-proxy-ca', commonName: 'front-proxy-ca' };
export const ETCD_CA: CaSpec = { kind: 'ca', name: 'etcd-ca', baseName: 'etcd/ca', commonName: 'etcd-ca' };

/**
 * kubeadm put the API server's kubelet client in `kubeadm:cluster-admins` (1.29 on) until 1.36, which gives it no group
 * and binds it to `system:kubelet-api-admin` instead (kubeadm 1.36.1 source, phases/certs/certlist.go).
 */
function kubeletClientOrganization(kubernetesVersion: string): string[] {
  const match = /^v?(\d+)\.(\d+)/.exec(kubernetesVersion);
  const minor = match && Number(match[1]) === 1 ? Number(match[2]) : Infinity;
  return minor >= 36 ? [] : ['kubeadm:cluster-admins'];
}

/** The control-plane certificates, in kubeadm's order (which is also the `certs` phase order). */
export const CERT_LIST: CertSpec[] = [
  CLUSTER_CA,
  {
    kind: 'leaf',
    name: 'apiserver',
    baseName: 'apiserver',
    ca: CLUSTER_CA,
    usages: ['server'],
    subject: () => ({ commonName: 'kube-apiserver' }),
    altNames: apiServerAltNames,
  },
  {
    kind: 'leaf',
    name: 'apiserver-kubelet-client',
    baseName: 'apiserver-kubelet-client',
    ca: CLUSTER_CA,
    usages: ['client'],
    subject: (node) => ({
      commonName: 'kube-apiserver-kubelet-client',
      organization: kubeletClientOrganization(node.cluster.kubernetesVersion),
    }),
  },
  FRONT_PROXY_CA,
  {
    kind: 'leaf',
    name: 'front-proxy-client',
    baseName: 'front-proxy-client',
    ca: FRONT_PROXY_CA,
    usages: ['client'],
    subject: () => ({ commonName: 'front-proxy-client' }),
  },
  ETCD_CA,
  {
    kind: 'leaf',
    name: 'etcd-server',
    baseName: 'etcd/server',
    ca: ETCD_CA,
    usages: ['server', 'client'],
    subject: (node) => ({ commonName: node.nodeName }),
    altNames: (node) => etcdAltNames(node, node.cluster.etcd.local?.serverCertSANs),
  },
  {
    kind: 'leaf',
    name: 'etcd-peer',
    baseName: 'etcd/peer',
    ca: ETCD_CA,
    usages: ['server', 'client'],
    subject: (node) => ({ commonName: node.nodeName }),
    altNames: (node) => etcdAltNames(node, node.cluster.etcd.local?.peerCertSANs),
  },
  {
    kind: 'leaf',
    name: 'etcd-healthcheck-client',
    baseName: 'etcd/healthcheck-client',
    ca: ETCD_CA,
    usages: ['client'],
    subject: () => ({ commonName: 'kube-etcd-healthcheck-client' }),
  },
  {
    kind: 'leaf',
    name: 'apiserver-etcd-client',
    baseName: 'apiserver-etcd-client',
    ca: ETCD_CA,
    usages: ['client'],
    subject: () => ({ commonName: 'kube-apiserver-etcd-client' }),
  },
];

/** The service-account signing key pair: `sa.key` and `sa.pub`, no certificate. */
export const SERVICE_ACCOUNT_KEY = { name: 'sa', baseName: 'sa' } as const;

/** Certificates of the local etcd, which kubeadm does not make when etcd is external. */
export function isEtcdCert(spec: CertSpec): boolean {
  return spec === ETCD_CA || (spec.kind === 'leaf' && spec.ca === ETCD_CA);
}
