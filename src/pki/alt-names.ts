import { formatIP, nthIP, parseCIDRList, parseHostPort, parseIP } from '../config/net.js';
import type { AltNames } from './certificate.js';
import type { NodePki } from './input.js';

/** An IP address in one text form (RFC 5952 for IPv6), so equal addresses compare equal; undefined for a name. */
export function canonicalIP(text: string): string | undefined {
  const ip = parseIP(text);
  return ip && formatIP(ip);
}

/** Sorts names into DNS names (sorted, unique) and IPs (canonical, unique, in first-seen order): kubeadm's rule. */
export function altNames(names: string[]): AltNames {
  const dns = new Set<string>();
  const ips: string[] = [];
  for (const name of names) {
    if (!name) continue;
    const ip = canonicalIP(name);
    if (ip === undefined) dns.add(name);
    else if (!ips.includes(ip)) ips.push(ip);
  }
  return { dnsNames: [...dns].sort(), ips };
}

/** The `kubernetes` Service address: the first address of the (first) service subnet. */
export function firstServiceIP(serviceSubnet: string): string {
  const subnet = parseCIDRList(serviceSubnet)?.[0];
  if (!subnet) throw new Error(`ClusterConfiguration.networking.serviceSubnet: "${serviceSubnet}" is not a CIDR`);
  return formatIP(nthIP(subnet, 1));
}

/** The host part of `controlPlaneEndpoint`, or '' when there is none. */
export function endpointHost(endpoint: string | undefined): string {
  if (!endpoint) return '';
  const parsed = parseHostPort(endpoint);
  if ('problem' in parsed) throw new Error(`ClusterConfiguration.controlPlaneEndpoint: ${parsed.problem}`);
  return parsed.host;
}

/** kube-apiserver's serving names: node, the `kubernetes` Service names and IP, advertise address, endpoint, certSANs. */
export function apiServerAltNames(node: NodePki): AltNames {
  const { cluster } = node;
  return altNames([
    node.nodeName,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${cluster.networking.dnsDomain}`,
    firstServiceIP(cluster.networking.serviceSubnet),
    node.advertiseAddress,
    endpointHost(cluster.controlPlaneEndpoint),
    ...(cluster.apiServer.certSANs ?? []),
  ]);
}

/** etcd's serving and peer names: node, localhost, advertise address, loopbacks, plus the configured extras. */
export function etcdAltNames(node: NodePki, extra: string[] | undefined): AltNames {
  return altNames([node.nodeName, 'localhost', node.advertiseAddress, '127.0.0.1', '::1', ...(extra ?? [])]);
}
