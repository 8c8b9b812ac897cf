import { isDNS1123Subdomain, parseHostPort, parseIP } from '../config/net.js';
import { quote, UserError } from '../errors.js';
import { corefile } from './coredns.js';

/**
 * kube-dns → CoreDNS: the settings of a kube-dns cluster's ConfigMap put into CoreDNS's Corefile as kubeadm 1.10–1.20
 * did it (`phases/addons/dns/dns.go`: translateStubDomainOfKubeDNSToForwardCoreDNS,
 * translateUpstreamNameServerOfKubeDNSToUpstreamForwardCoreDNS, translateFederationsofKubeDNSToCoreDNS), into the
 * default Corefile bosun installs today.
 */
export const KUBE_DNS_CONFIGMAP = { namespace: 'kube-system', name: 'kube-dns' } as const;

/** The keys of the kube-dns ConfigMap that carry settings, each JSON text (kubernetes/dns `pkg/dns/config`). */
export interface KubeDNSConfigData {
  /** DNS suffix → nameservers (`ip` or `ip:port`) that answer for it. */
  stubDomains?: string;
  /** Nameservers for everything else, in place of the node's /etc/resolv.conf. */
  upstreamNameservers?: string;
  /** Federation name → federation domain. */
  federations?: string;
}

export interface KubeDNSTranslation {
  corefile: string;
  /** What the translation left out or what CoreDNS may not take, one sentence each, for the operator to read. */
  warnings: string[];
}

type Key = keyof KubeDNSConfigData;

const OBJECT = `ConfigMap ${KUBE_DNS_CONFIGMAP.namespace}/${KUBE_DNS_CONFIGMAP.name}`;
const RESOLV_CONF = '/etc/resolv.conf';
const SHAPE: Record<Key, string> = {
  stubDomains: 'a JSON object of DNS domain to a list of nameservers',
  upstreamNameservers: 'a JSON list of nameservers',
  federations: 'a JSON object of federation name to federation domain',
};
const EXAMPLE: Record<Key, string> = {
  stubDomains: '{"acme.local": ["10.0.0.53", "10.0.0.54:5353"]}',
  upstreamNameservers: '["8.8.8.8", "[2001:4860:4860::8888]:53"]',
  federations: '{"myfed": "example.com"}',
};

/** `data` is the kube-dns ConfigMap's data (absent: no ConfigMap, so today's default Corefile). */
export function translateKubeDNS(data: KubeDNSConfigData | undefined, cluster: { dnsDomain: string }): KubeDNSTranslation {
  const warnings: string[] = [];
  const serverBlocks = stubDomainBlocks(data?.stubDomains, warnings);
  const upstream = upstreamTargets(data?.upstreamNameservers, warnings);
  const afterKubernetes = federationBlock(data?.federations, cluster.dnsDomain, warnings);
  return { corefile: corefile(cluster.dnsDomain, { upstream, afterKubernetes, serverBlocks }), warnings };
}

/** One server block per stub domain, in the ConfigMap's order (kubeadm's came in Go's random map order). */
function stubDomainBlocks(text: string | undefined, warnings: string[]): string[] {
  const stubs = readJSON('stubDomains', text, isStringListRecord) ?? {};
  return Object.entries(stubs).flatMap(([domain, nameservers]) => {
    // As kube-dns refused it (kubernetes/dns validateStubDomains); it also keeps spaces and braces out of the Corefile.
    if (!isDNS1123Subdomain(domain.replace(/\.$/, ''))) throw invalid('stubDomains', `domain ${quote(domain)} is not a DNS name`);
    const addresses = ipNameservers('stubDomains', nameservers, `stub domain ${quote(domain)}: nameserver`, warnings);
    if (addresses.length === 0) {
      warnings.push(`${at('stubDomains')}: stub domain ${quote(domain)} has no IP nameserver left, so it gets no server block (its queries go upstream)`);
      return [];
    }
    // kubeadm's caddyfile rendering indented a stub block's plugins by 3 spaces.
    return [[`${domain}:53 {`, '   errors', '   cache 30', '   loop', `   forward . ${addresses.join(' ')}`, '}'].join('\n')];
  });
}

/**
 * The main block's `forward .` targets. Where kubeadm wrote an empty `forward .` (every upstream a hostname, or an
 * empty list), which CoreDNS refuses to load, the node's resolv.conf stays: what kube-dns itself did without upstreams.
 */
function upstreamTargets(text: string | undefined, warnings: string[]): string {
  const nameservers = readJSON('upstreamNameservers', text, isStringList);
  if (!nameservers) return RESOLV_CONF;
  const addresses = ipNameservers('upstreamNameservers', nameservers, 'nameserver', warnings);
  if (addresses.length > 0) return addresses.join(' ');
  warnings.push(`${at('upstreamNameservers')}: no IP nameserver left, so CoreDNS forwards to the node's ${RESOLV_CONF}`);
  return RESOLV_CONF;
}

/** A `federation <dnsDomain>` block with a `<name> <domain>` line per entry, or nothing without federations. */
function federationBlock(text: string | undefined, dnsDomain: string, warnings: string[]): string[] {
  const parsed = readJSON('federations', text, isStringRecord);
  if (parsed === null) return [];
  // kubeadm wrote the block for `{}` too, with no lines in it.
  const federations = Object.entries(parsed);
  // As kube-dns refused them (validateFederations: a label and a DNS name), which also keeps the Corefile well formed.
  for (const [name, domain] of federations) {
    if (!isDNS1123Label(name)) throw invalid('federations', `federation name ${quote(name)} is not a DNS label`);
    if (!isDNS1123Subdomain(domain)) throw invalid('federations', `federation ${quote(name)}: domain ${quote(domain)} is not a DNS name`);
  }
  warnings.push(
    `${at('federations')}: the federation plugin was removed from CoreDNS in 1.7.0: CoreDNS 1.7.0 and later refuse to start with this Corefile's federation block`,
  );
  return [`    federation ${dnsDomain} {`, ...federations.map(([name, domain]) => `       ${name} ${domain}`), '    }'];
}

/** The IP nameservers, as written (ports kept); hostnames are left out with a warning, as kubeadm's omitHostnameInTranslation did. */
function ipNameservers(key: Key, nameservers: readonly string[], label: string, warnings: string[]): string[] {
  return nameservers.filter((nameserver) => {
    const parsed = parseHostPort(nameserver);
    if ('problem' in parsed) throw invalid(key, `${label} ${quote(nameserver)}: ${parsed.problem}`);
    if (parseIP(parsed.host)) return true;
    warnings.push(`${at(key)}: ${label} ${quote(nameserver)} is a hostname; CoreDNS forwards only to IP addresses, so it is left out`);
    return false;
  });
}

/** The key's JSON value; null when the key is absent or `null` (Go's json.Unmarshal took `null` as empty too). */
function readJSON<T>(key: Key, text: string | undefined, shape: (value: unknown) => value is T): T | null {
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(key, `${quote(text)} is not valid JSON: ${(err as Error).message.split(', "')[0]}`);
  }
  if (value === null) return null;
  if (!shape(value)) throw invalid(key, `${quote(text)} has the wrong shape`);
  return value;
}

function invalid(key: Key, what: string): UserError {
  return new UserError({ what, where: { object: OBJECT, field: `data.${key}` }, expected: `${SHAPE[key]}, e.g. ${EXAMPLE[key]}` });
}

function at(key: Key): string {
  return `${OBJECT}: data.${key}`;
}

/** As kube-dns validated a federation name (`fed.ValidateName`): one RFC 1123 label. */
function isDNS1123Label(name: string): boolean {
  return name.length <= 63 && !name.includes('.') && isDNS1123Subdomain(name);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
const isStringListRecord = (value: unknown): value is Record<string, string[]> => isObject(value) && Object.values(value).every(isStringList);
const isStringRecord = (value: unknown): value is Record<string, string> => isObject(value) && Object.values(value).every((item) => typeof item === 'string');
