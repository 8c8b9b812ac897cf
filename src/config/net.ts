import { isIPv6 } from 'node:net';
import { quote } from '../errors.js';

/**
 * IP addresses and CIDRs (IPv4 and IPv6) as kubeadm reads them (Go's "sloppy" parsing: IPv4 octets may carry
 * leading zeros, a CIDR may have host bits set), with the arithmetic config needs: overlap, size, n-th address.
 */
export interface IP {
  family: 4 | 6;
  value: bigint;
}

export interface CIDR {
  family: 4 | 6;
  /** The network address (host bits cleared). */
  base: bigint;
  prefix: number;
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

export function parseIP(text: string): IP | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  if (!isIPv6(text) || text.includes('%')) return undefined;
  return { family: 6, value: parseIPv6(text) };
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

/** `text` is already known to be valid IPv6 (node:net checked it). */
function parseIPv6(text: string): bigint {
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) becomes its two hex groups.
  const hex = text.replace(/(\d+\.\d+\.\d+\.\d+)$/, (v4) => {
    const value = parseIPv4(v4)!;
    return `${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  });
  const [left, right] = hex.split('::');
  const l = left ? left.split(':') : [];
  const r = right === undefined ? [] : right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function formatIP(ip: IP): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => ((ip.value >> s) & 0xffn).toString()).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (ip.value >> BigInt(112 - 16 * i)) & 0xffffn);
  // RFC 5952: compress the longest run (two or more) of zero groups, the first one on a tie.
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > best.len && j - i >= 2) best = { start: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.len).join(':')}`;
}

export function parseCIDR(text: string): CIDR | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const width = bits(ip.family);
  if (prefix > width) return undefined;
  const hostBits = BigInt(width - prefix);
  return { family: ip.family, base: (ip.value >> hostBits) << hostBits, prefix };
}

/** A comma-separated list (dual-stack subnets); undefined when any entry is not a CIDR. */
export function parseCIDRList(text: string): CIDR[] | undefined {
  const cidrs = text.split(',').map((part) => parseCIDR(part.trim()));
  return cidrs.every((c): c is CIDR => c !== undefined) ? cidrs : undefined;
}

export function formatCIDR(cidr: CIDR): string {
  return `${formatIP({ family: cidr.family, value: cidr.base })}/${cidr.prefix}`;
}

export function cidrSize(cidr: CIDR): bigint {
  return 1n << BigInt(bits(cidr.family) - cidr.prefix);
}

export function cidrsOverlap(a: CIDR, b: CIDR): boolean {
  return a.family === b.family && a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

/** The n-th address of a subnet (n = 1: the kubernetes Service IP; n = 10: cluster DNS). */
export function nthIP(cidr: CIDR, n: number): IP {
  if (BigInt(n) >= cidrSize(cidr)) throw new Error(`subnet ${formatCIDR(cidr)} has no address number ${n}`);
  return { family: cidr.family, value: cidr.base + BigInt(n) };
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);

/** RFC 1123 subdomain, as Kubernetes validates names and domains (lower case, at most 253 characters). */
export function isDNS1123Subdomain(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

export function isWildcardDNS1123Subdomain(name: string): boolean {
  return name.startsWith('*.') && isDNS1123Subdomain(name.slice(2));
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** A port as text, as Go's strconv.Atoi reads it for kubeadm: decimal digits only (not `0x1bb`, `1e3`, ` 443`), 1 to 65535. */
export function parsePort(text: string): number | undefined {
  return /^\d{1,5}$/.test(text) && isValidPort(Number(text)) ? Number(text) : undefined;
}

/**
 * `host`, `host:port`, `[v6]:port` or a bare IPv6 address, as kubeadm's ParseHostPort accepts them;
 * the problem in words when it is not one.
 */
export function parseHostPort(text: string): { host: string; port?: number } | { problem: string } {
  let host = text;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(text);
  if (bracketed) [, host, port] = bracketed;
  else if (/^[^:]*:[^:]*$/.test(text)) [host, port] = text.split(':');
  if (port !== undefined && parsePort(port) === undefined) {
    return { problem: `port ${quote(port)} must be a number between 1 and 65535` };
  }
  if (!parseIP(host) && !isDNS1123Subdomain(host)) {
    return { problem: `host ${quote(host)} must be an IP address or an RFC 1123 DNS name` };
  }
  return port === undefined ? { host } : { host, port: Number(port) };
}

/** Whether the subnet holds the address (same family, inside its range). */
export function cidrContains(cidr: CIDR, ip: IP): boolean {
  return cidr.family === ip.family && ip.value >= cidr.base && ip.value < cidr.base + cidrSize(cidr);
}
