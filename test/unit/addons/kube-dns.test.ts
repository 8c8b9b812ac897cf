import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultClusterConfiguration } from '../../../src/config/defaults.js';
import { corefile } from '../../../src/addons/coredns.js';
import { translateKubeDNS, type KubeDNSConfigData } from '../../../src/addons/kube-dns.js';
import { UserError } from '../../../src/errors.js';

/*
 * The cases of kubeadm's own tests of its translation, from kubernetes/kubernetes
 * cmd/kubeadm/app/phases/addons/dns/dns_test.go, the v1.18-era text (GetDNSIP(svcSubnet, isDualStack),
 * TestCreateCoreDNSConfigMap at CoreDNS 1.6.7; the same cases as the 1.14–1.17 text, and a superset of the 1.10-era
 * one), one `it` per case, named `<Go test> / <case name>`. kubeadm's expectations are the fragments its functions
 * returned, indented for its ConfigMap YAML template; kubeadmCorefile() puts them into that template (with today's
 * default plugins) and reads the Corefile back out as kubeadm's YAML decoding did, so the comparison is of whole
 * Corefiles. kubeadm accepted either Go map order; bosun keeps the ConfigMap's, which is kubeadm's expectOne.
 */
const TEMPLATE = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health {
           lameduck 5s
        }
        ready
        kubernetes {{ .DNSDomain }} in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }{{ .Federation }}
        prometheus :9153
        forward . {{ .UpstreamNameserver }} {
           max_concurrent 1000
        }
        cache 30 {
           disable success {{ .DNSDomain }}
           disable denial {{ .DNSDomain }}
        }
        loop
        reload
        loadbalance
    }{{ .StubDomain }}
`;

interface Fragments {
  stub?: string;
  upstream?: string;
  federation?: string;
}

function kubeadmCorefile({ stub = '', upstream = '/etc/resolv.conf', federation = '' }: Fragments): string {
  const text = TEMPLATE.replaceAll('{{ .DNSDomain }}', 'cluster.local')
    .replace('{{ .Federation }}', federation)
    .replace('{{ .UpstreamNameserver }}', upstream)
    .replace('{{ .StubDomain }}', stub);
  return (parse(text) as { data: { Corefile: string } }).data.Corefile;
}

const S1 = `
    foo.com:53 {
       errors
       cache 30
       loop
       forward . 1.2.3.4:5300 3.3.3.3
    }
    
    my.cluster.local:53 {
       errors
       cache 30
       loop
       forward . 2.3.4.5
    }`;
const S3 = `
    foo.com:53 {
       errors
       cache 30
       loop
       forward . 1.2.3.4:5300
    }
    
    my.cluster.local:53 {
       errors
       cache 30
       loop
       forward . 2.3.4.5
    }`;
const S4 = `
    bar.com:53 {
       errors
       cache 30
       loop
       forward . 1.2.3.4:5300
    }
    
    my.cluster.local:53 {
       errors
       cache 30
       loop
       forward . 2.3.4.5
    }`;
const F1 = `
        federation cluster.local {
           foo foo.feddomain.com
           bar bar.feddomain.com
        }`;

const UP = `["8.8.8.8", "8.8.4.4"]`;
const STUBS = `{"foo.com" : ["1.2.3.4:5300","3.3.3.3"], "my.cluster.local" : ["2.3.4.5"]}`;
const STUBS_ONE_IP = `{"foo.com" : ["1.2.3.4:5300"], "my.cluster.local" : ["2.3.4.5"]}`;

const CASES: Array<[name: string, data: KubeDNSConfigData, expected: Fragments, warnings: number]> = [
  [
    'TestTranslateStubDomainKubeDNSToCoreDNS / valid call with multiple IPs',
    { stubDomains: STUBS, upstreamNameservers: UP },
    { stub: S1, upstream: '8.8.8.8 8.8.4.4' },
    0,
  ],
  ['TestTranslateStubDomainKubeDNSToCoreDNS / empty call', {}, {}, 0],
  [
    'TestTranslateStubDomainKubeDNSToCoreDNS / valid call',
    { stubDomains: STUBS_ONE_IP, upstreamNameservers: UP },
    { stub: S3, upstream: '8.8.8.8 8.8.4.4' },
    0,
  ],
  [
    'TestTranslateStubDomainKubeDNSToCoreDNS / If Hostname present: Omit Hostname',
    {
      stubDomains: `{"bar.com" : ["1.2.3.4:5300","service.consul"], "my.cluster.local" : ["2.3.4.5"], "foo.com" : ["service.consul"]}`,
      upstreamNameservers: UP,
    },
    { stub: S4, upstream: '8.8.8.8 8.8.4.4' },
    3, // two hostnames left out, and foo.com left without a server block
  ],
  [
    'TestTranslateStubDomainKubeDNSToCoreDNS / All hostname: return empty',
    { stubDomains: `{"foo.com" : ["service.consul"], "my.cluster.local" : ["ns.foo.com"]}`, upstreamNameservers: UP },
    { upstream: '8.8.8.8 8.8.4.4' },
    4,
  ],
  ['TestTranslateStubDomainKubeDNSToCoreDNS / missing stubDomains', { upstreamNameservers: UP }, { upstream: '8.8.8.8 8.8.4.4' }, 0],
  ['TestTranslateUpstreamKubeDNSToCoreDNS / expect resolv.conf', {}, { upstream: '/etc/resolv.conf' }, 0],
  [
    'TestTranslateUpstreamKubeDNSToCoreDNS / expect list of Name Server IP addresses',
    { stubDomains: ` ${STUBS_ONE_IP}`, upstreamNameservers: `["8.8.8.8", "8.8.4.4", "4.4.4.4"]` },
    { stub: S3, upstream: '8.8.8.8 8.8.4.4 4.4.4.4' },
    0,
  ],
  [
    'TestTranslateUpstreamKubeDNSToCoreDNS / no stubDomains: expect list of Name Server IP addresses',
    { upstreamNameservers: UP },
    { upstream: '8.8.8.8 8.8.4.4' },
    0,
  ],
  [
    'TestTranslateUpstreamKubeDNSToCoreDNS / Hostname present: expect NameServer to omit the hostname',
    { upstreamNameservers: `["service.consul", "ns.foo.com", "8.8.4.4", "ns.moo.com", "ns.bar.com"]` },
    { upstream: '8.8.4.4' },
    4,
  ],
  // kubeadm returned "" here, writing `forward . ` that CoreDNS refuses to load; bosun keeps the node's resolv.conf.
  ['TestTranslateUpstreamKubeDNSToCoreDNS / All hostnames: return empty', { upstreamNameservers: `["service.consul", "ns.foo.com"]` }, {}, 3],
  [
    'TestTranslateUpstreamKubeDNSToCoreDNS / IPv6: expect list of Name Server IP addresses',
    { upstreamNameservers: `["[2003::1]:53", "8.8.4.4"]` },
    { upstream: '[2003::1]:53 8.8.4.4' },
    0,
  ],
  [
    'TestTranslateFederationKubeDNSToCoreDNS / valid call',
    { federations: `{"foo" : "foo.feddomain.com", "bar" : "bar.feddomain.com"}`, stubDomains: STUBS, upstreamNameservers: UP },
    { federation: F1, stub: S1, upstream: '8.8.8.8 8.8.4.4' },
    1, // the federation plugin is gone from CoreDNS since 1.7.0
  ],
  ['TestTranslateFederationKubeDNSToCoreDNS / empty data', {}, {}, 0],
  [
    'TestTranslateFederationKubeDNSToCoreDNS / missing federations data',
    { stubDomains: STUBS_ONE_IP, upstreamNameservers: UP },
    { stub: S3, upstream: '8.8.8.8 8.8.4.4' },
    0,
  ],
];

describe("kube-dns → CoreDNS: kubeadm's cases", () => {
  it.each(CASES)('%s', (_name, data, expected, warnings) => {
    const translation = translateKubeDNS(data, { dnsDomain: 'cluster.local' });
    expect(translation.corefile).toBe(kubeadmCorefile(expected));
    expect(translation.warnings).toHaveLength(warnings);
  });
});

describe('kube-dns → CoreDNS: the default Corefile is the base', () => {
  const cluster = defaultClusterConfiguration();
  const domains = ['cluster.local', 'example.org'];

  it.each(domains)("translates no ConfigMap, and one without settings, to exactly today's default Corefile (%s)", (dnsDomain) => {
    const today = corefile(dnsDomain);
    expect(translateKubeDNS(undefined, { dnsDomain }).corefile).toBe(today);
    expect(translateKubeDNS({}, { dnsDomain }).corefile).toBe(today);
    expect(translateKubeDNS({ stubDomains: 'null', upstreamNameservers: 'null', federations: 'null' }, { dnsDomain })).toEqual({
      corefile: today,
      warnings: [],
    });
  });

  it("renders kubeadm's template, as this test has it, as today's default when nothing fills it", () => {
    expect(kubeadmCorefile({})).toBe(corefile(cluster.networking.dnsDomain));
  });
});

describe('kube-dns → CoreDNS: order, ports, warnings', () => {
  const translate = (data: KubeDNSConfigData) => translateKubeDNS(data, { dnsDomain: 'cluster.local' });

  it("keeps the ConfigMap's order of stub domains (kubeadm's was Go's random map order)", () => {
    const { corefile } = translate({ stubDomains: `{"my.cluster.local" : ["2.3.4.5"], "foo.com" : ["1.2.3.4:5300"]}` });
    expect(corefile.indexOf('my.cluster.local:53 {')).toBeLessThan(corefile.indexOf('foo.com:53 {'));
    expect(translate({ stubDomains: `{"my.cluster.local" : ["2.3.4.5"], "foo.com" : ["1.2.3.4:5300"]}` }).corefile).toBe(corefile);
  });

  it('keeps ports and IPv6 forms as written, and a fully qualified stub domain', () => {
    const { corefile, warnings } = translate({
      stubDomains: `{"acme.local." : ["fd00::53", "[fd00::54]:5353", "10.0.0.53:53"]}`,
      upstreamNameservers: `["[2003::1]:53"]`,
    });
    expect(corefile).toContain('\nacme.local.:53 {\n   errors\n   cache 30\n   loop\n   forward . fd00::53 [fd00::54]:5353 10.0.0.53:53\n}\n');
    expect(corefile).toContain('\n    forward . [2003::1]:53 {\n');
    expect(warnings).toEqual([]);
  });

  it('names the key, the stub domain and the hostname in each warning', () => {
    const { warnings } = translate({ stubDomains: `{"consul" : ["consul.service.local"]}`, upstreamNameservers: `["dns.example.com"]` });
    expect(warnings).toEqual([
      'ConfigMap kube-system/kube-dns: data.stubDomains: stub domain "consul": nameserver "consul.service.local" is a hostname; CoreDNS forwards only to IP addresses, so it is left out',
      'ConfigMap kube-system/kube-dns: data.stubDomains: stub domain "consul" has no IP nameserver left, so it gets no server block (its queries go upstream)',
      'ConfigMap kube-system/kube-dns: data.upstreamNameservers: nameserver "dns.example.com" is a hostname; CoreDNS forwards only to IP addresses, so it is left out',
      "ConfigMap kube-system/kube-dns: data.upstreamNameservers: no IP nameserver left, so CoreDNS forwards to the node's /etc/resolv.conf",
    ]);
  });

  it('falls back to resolv.conf for an empty upstream list, where kubeadm wrote an empty `forward .`', () => {
    const { corefile, warnings } = translate({ upstreamNameservers: '[]' });
    expect(corefile).toContain('\n    forward . /etc/resolv.conf {\n');
    expect(warnings).toHaveLength(1);
  });

  it('writes an empty federation block for `{}`, as kubeadm did, and warns that CoreDNS 1.7.0 dropped the plugin', () => {
    const { corefile, warnings } = translate({ federations: '{}' });
    expect(corefile).toContain('       ttl 30\n    }\n    federation cluster.local {\n    }\n    prometheus :9153\n');
    expect(warnings).toEqual([
      "ConfigMap kube-system/kube-dns: data.federations: the federation plugin was removed from CoreDNS in 1.7.0: CoreDNS 1.7.0 and later refuse to start with this Corefile's federation block",
    ]);
  });
});

describe('kube-dns → CoreDNS: invalid values', () => {
  const ERRORS: Array<[key: keyof KubeDNSConfigData, value: string, what: string]> = [
    ['stubDomains', '{"foo.com": ["1.2.3.4"]', '"{\\"foo.com\\": [\\"1.2.3.4\\"]" is not valid JSON'],
    ['stubDomains', '["1.2.3.4"]', '"[\\"1.2.3.4\\"]" has the wrong shape'],
    ['stubDomains', '{"foo.com": "1.2.3.4"}', 'has the wrong shape'],
    ['stubDomains', '{"foo.com": [1234]}', 'has the wrong shape'],
    ['stubDomains', '{"Foo.com": ["1.2.3.4"]}', 'domain "Foo.com" is not a DNS name'],
    ['stubDomains', '{"foo.com {\\n": ["1.2.3.4"]}', 'domain "foo.com {\\n" is not a DNS name'],
    ['stubDomains', '{"foo.com": ["1.2.3.4:99999"]}', 'stub domain "foo.com": nameserver "1.2.3.4:99999": port "99999" must be a number between 1 and 65535'],
    [
      'stubDomains',
      '{"foo.com": ["ns_1.foo.com"]}',
      'stub domain "foo.com": nameserver "ns_1.foo.com": host "ns_1.foo.com" must be an IP address or an RFC 1123 DNS name',
    ],
    ['upstreamNameservers', '8.8.8.8', '"8.8.8.8" is not valid JSON'],
    ['upstreamNameservers', '{"a": "8.8.8.8"}', 'has the wrong shape'],
    ['upstreamNameservers', '["8.8.8.8:dns"]', 'nameserver "8.8.8.8:dns": port "dns" must be a number between 1 and 65535'],
    ['upstreamNameservers', '["8.8.8.8 8.8.4.4"]', 'nameserver "8.8.8.8 8.8.4.4": host "8.8.8.8 8.8.4.4" must be an IP address or an RFC 1123 DNS name'],
    ['federations', '{"foo": ["foo.feddomain.com"]}', 'has the wrong shape'],
    ['federations', '{"foo.bar": "foo.feddomain.com"}', 'federation name "foo.bar" is not a DNS label'],
    ['federations', '{"foo": "foo.feddomain.com }"}', 'federation "foo": domain "foo.feddomain.com }" is not a DNS name'],
  ];

  it.each(ERRORS)('refuses %s %s, naming the key and the value', (key, value, what) => {
    const attempt = () => translateKubeDNS({ [key]: value }, { dnsDomain: 'cluster.local' });
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(`ConfigMap kube-system/kube-dns: data.${key}: `);
    expect(attempt).toThrow(what);
    try {
      attempt();
    } catch (err) {
      expect((err as UserError).where).toEqual({ object: 'ConfigMap kube-system/kube-dns', field: `data.${key}` });
      expect((err as UserError).expected).toMatch(/^a JSON (object|list) of .*, e\.g\. /);
    }
  });
});
