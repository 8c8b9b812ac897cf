/** Host:port formatting shared by the static Pods (IPv6 in brackets, as Go's net.JoinHostPort). */
import { isIPv6 } from 'node:net';

export function joinHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The loopback address of the advertise address' family: etcd and its clients use it on IPv6 nodes. */
export function loopbackFor(advertiseAddress: string): string {
  return isIPv6(advertiseAddress) ? '::1' : '127.0.0.1';
}

/** A probe against a wildcard bind address has no host: the kubelet then probes the Pod IP (the node's). */
export function probeHost(bindAddress: string): string | undefined {
  return bindAddress === '0.0.0.0' || bindAddress === '::' ? undefined : bindAddress;
}
