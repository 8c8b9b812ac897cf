import { isIPv6 } from 'node:net';

/**
 * Parsers for what a node's procfs and a few commands print, so an SSH host answers the questions preflight asks
 * the local machine (host/machine.ts) from one round trip.
 */

/** `KEY=value` lines of /etc/os-release, quotes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) fields[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2').replace(/\\(["$`\\])/g, '$1');
  }
  return fields;
}

/** MemTotal of /proc/meminfo in MiB, 0 when absent. */
export function memTotalMiB(meminfo: string): number {
  const kib = /^MemTotal:\s+(\d+)\s*kB/m.exec(meminfo);
  return kib ? Math.floor(Number(kib[1]) / 1024) : 0;
}

/** Active swap entries of /proc/swaps (its header line dropped). */
export function swapEntries(swaps: string): string[] {
  return swaps
    .split('\n')
    .slice(1)
    .filter((l) => l.trim());
}

/** An address as 16 bytes (IPv4 as IPv4-mapped IPv6), so both families compare alike. */
function addressBytes(address: string): string {
  if (!isIPv6(address)) return `v4:${address}`;
  // A trailing dotted quad (`::ffff:10.0.0.1`) is the last two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hexTail = dotted ? [0, 2].map((i) => ((Number(dotted[i + 1]) << 8) | Number(dotted[i + 2])).toString(16)).join(':') : '';
  const [head, tail = ''] = (dotted ? address.slice(0, dotted.index) + hexTail : address).toLowerCase().split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const full = address.includes('::') ? [...groups(head), ...Array(missing).fill('0'), ...groups(tail)] : groups(head);
  return fromHex16(full.map((g) => g.padStart(4, '0')).join(''));
}

/** 32 hex digits as `v6:…`, or `v4:a.b.c.d` for an IPv4-mapped address. */
function fromHex16(upperOrLower: string): string {
  const hex = upperOrLower.toLowerCase();
  return hex.startsWith('00000000000000000000ffff') ? `v4:${[0, 2, 4, 6].map((i) => parseInt(hex.slice(24 + i, 26 + i), 16)).join('.')}` : `v6:${hex}`;
}

/** `0100007F` (IPv4, little-endian) or 32 hex digits (IPv6, four little-endian words) from /proc/net/tcp{,6}. */
function procAddress(hex: string): string {
  if (hex.length === 8) return `v4:${[6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.')}`;
  const words = hex.match(/.{8}/g) ?? [];
  return fromHex16(words.map((w) => (w.match(/../g) ?? []).reverse().join('')).join(''));
}

const WILDCARDS = new Set(['v4:0.0.0.0', `v6:${'0'.repeat(32)}`]);

export interface Listener {
  address: string;
  port: number;
}

/** Listening TCP sockets (state 0A) of /proc/net/tcp and tcp6, addresses normalised. */
export function tcpListeners(procNetTcp: string): Listener[] {
  return procNetTcp.split('\n').flatMap((line) => {
    const f = line.trim().split(/\s+/);
    if (f[3] !== '0A' || !f[1]?.includes(':')) return [];
    const [addr, port] = f[1].split(':');
    return [{ address: procAddress(addr), port: parseInt(port, 16) }];
  });
}

/** The node's own addresses: `/32 host LOCAL` entries of /proc/net/fib_trie and the lines of /proc/net/if_inet6. */
export function localAddresses(fibTrie: string, ifInet6: string): Set<string> {
  const out = new Set<string>();
  const lines = fibTrie.split('\n');
  lines.forEach((line, i) => {
    if (/\/32 host LOCAL/.test(line)) {
      const m = /\|-- (\d+\.\d+\.\d+\.\d+)/.exec(lines[i - 1] ?? '');
      if (m) out.add(`v4:${m[1]}`);
    }
  });
  for (const line of ifInet6.split('\n')) if (/^[0-9a-f]{32}\s/.test(line)) out.add(`v6:${line.slice(0, 32)}`);
  return out;
}

/** Whether `port` can be bound on the node (at `address`, or on all addresses when undefined). */
export function portStateOf(listeners: Listener[], addresses: Set<string>, port: number, address?: string): 'free' | 'in-use' | 'unavailable-address' {
  const wanted = address === undefined ? undefined : addressBytes(address);
  if (wanted !== undefined && !WILDCARDS.has(wanted) && !addresses.has(wanted)) return 'unavailable-address';
  const taken = listeners.some((l) => l.port === port && (wanted === undefined || WILDCARDS.has(wanted) || WILDCARDS.has(l.address) || l.address === wanted));
  return taken ? 'in-use' : 'free';
}
