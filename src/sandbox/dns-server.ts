/**
 * A small DNS server for tests, on the sandbox's bridge: CoreDNS with the `file` plugin serving fixed A records,
 * authoritative for each name's parent zone (a real NXDOMAIN for other names there, REFUSED outside), as a stub
 * domain's server or an upstream nameserver would answer.
 */
import { coreDNSVersion } from '../addons/coredns.js';
import { UserError } from '../errors.js';
import { locateBinary } from './binaries.js';
import { coreDNSArtifact } from './coredns-binaries.js';
import { startDnsPod, type DnsPod } from './dns-pod.js';
import { requireState } from './state.js';

export interface DnsServerOptions {
  /** The sandbox directory. */
  dir: string;
  /** Fully qualified name → IPv4 address. */
  records: Record<string, string>;
  /** The CoreDNS release to run; default: the one the sandbox's Kubernetes version pins. */
  version?: string;
}

const parentZone = (name: string) => name.replace(/\.$/, '').split('.').slice(1).join('.');

/** One zone file per parent zone, with an SOA (so unknown names get NXDOMAIN), and the Corefile serving them on :53. */
export function dnsServerFiles(records: Record<string, string>): Record<string, string> {
  const zones = new Map<string, string[]>();
  for (const [name, address] of Object.entries(records)) {
    const zone = parentZone(name);
    if (!zone || !/^\d+\.\d+\.\d+\.\d+$/.test(address)) throw new UserError(`DNS record ${name} ${address}: expected a name under a zone and an IPv4 address`);
    zones.set(zone, [...(zones.get(zone) ?? []), `${name.replace(/\.$/, '')}. 60 IN A ${address}`]);
  }
  const files: Record<string, string> = {};
  const blocks = [...zones].map(([zone, lines], i) => {
    files[`${zone}.zone`] = [`$ORIGIN ${zone}.`, `@ 60 IN SOA ns.${zone}. hostmaster.${zone}. 1 7200 3600 1209600 60`, ...lines, ''].join('\n');
    // `ready` once: every block shares the one listener.
    return `${zone}:53 {\n    file ${zone}.zone\n${i === 0 ? '    ready\n' : ''}}`;
  });
  files.Corefile = `${blocks.join('\n')}\n`;
  return files;
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsPod> {
  const state = await requireState(opts.dir);
  const version = opts.version ?? coreDNSVersion(state.kubernetesVersion);
  const binary = await locateBinary(coreDNSArtifact(version), 'coredns', state.binDir);
  if (!binary) throw new UserError(`CoreDNS ${version} is not built; run "bosun sandbox binaries"`);
  return startDnsPod(opts.dir, { binary, files: dnsServerFiles(opts.records), corefile: 'Corefile' });
}
