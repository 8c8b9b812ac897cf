import { isIPv6 } from 'node:net';
import { parseHostPort } from '../config/net.js';
import type { ClusterConfiguration } from '../config/types.js';
import { KUBECONFIG_FILES } from '../kube/paths.js';
import type { Certificate, Subject, Validity } from '../pki/certificate.js';
import type { NodePki } from '../pki/input.js';
import { validities } from '../pki/validity.js';

/** A kubeconfig kubeadm writes for a control-plane node: its file, the client identity and which server it talks to. */
export interface KubeconfigSpec {
  /** Phase name (`controller-manager`). */
  name: string;
  /** File name under /etc/kubernetes. */
  file: string;
  subject(node: NodePki): Subject;
  /** `endpoint`: the cluster's control-plane endpoint; `local`: this node's API server. */
  server: 'endpoint' | 'local';
}

/** The init kubeconfigs, in kubeadm's order. */
export const KUBECONFIG_LIST: KubeconfigSpec[] = [
  {
    name: 'admin',
    file: KUBECONFIG_FILES.admin,
    subject: () => ({ commonName: 'kubernetes-admin', organization: ['kubeadm:cluster-admins'] }),
    server: 'endpoint',
  },
  {
    name: 'super-admin',
    file: KUBECONFIG_FILES.superAdmin,
    subject: () => ({ commonName: 'kubernetes-super-admin', organization: ['system:masters'] }),
    server: 'endpoint',
  },
  {
    name: 'kubelet',
    file: KUBECONFIG_FILES.kubelet,
    subject: (node) => ({ commonName: `system:node:${node.nodeName}`, organization: ['system:nodes'] }),
    // kubeadm's init phase clears controlPlaneEndpoint for this one file (1.36 and 1.37, ControlPlaneKubeletLocalMode):
    // the init node's kubelet talks to its own API server, which runs before any load balancer has a backend.
    server: 'local',
  },
  {
    name: 'controller-manager',
    file: KUBECONFIG_FILES.controllerManager,
    subject: () => ({ commonName: 'system:kube-controller-manager' }),
    server: 'local',
  },
  {
    name: 'scheduler',
    file: KUBECONFIG_FILES.scheduler,
    subject: () => ({ commonName: 'system:kube-scheduler' }),
    server: 'local',
  },
];

/** The API server URL a kubeconfig of this node uses. */
export function kubeconfigServer(spec: KubeconfigSpec, node: NodePki): string {
  return spec.server === 'endpoint' ? controlPlaneURL(node) : httpsURL(node.advertiseAddress, node.bindPort);
}

/** `controlPlaneEndpoint` (its port, else the bind port), else this node's advertise address and bind port. */
export function controlPlaneHostPort(node: NodePki): { host: string; port: number } {
  const endpoint = node.cluster.controlPlaneEndpoint;
  if (!endpoint) return { host: node.advertiseAddress, port: node.bindPort };
  const parsed = parseHostPort(endpoint);
  if ('problem' in parsed) throw new Error(`ClusterConfiguration.controlPlaneEndpoint: ${parsed.problem}`);
  return { host: parsed.host, port: parsed.port ?? node.bindPort };
}

export function controlPlaneURL(node: NodePki): string {
  const { host, port } = controlPlaneHostPort(node);
  return httpsURL(host, port);
}

/** `https://host:port`, IPv6 hosts in brackets. */
export function httpsURL(host: string, port: number): string {
  return `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/**
 * A kubeconfig's client certificate as kubeadm signs it: valid from its CA's notBefore (kubeadm sets no start
 * of its own there, unlike for the `certs` phase's certificates), for `certificateValidityPeriod` from now.
 */
export function kubeconfigClientValidity(ca: Certificate, cluster: ClusterConfiguration, now: Date): Validity {
  return { ...validities(cluster, now).leaf, notBefore: ca.notBefore };
}
