import { describe, expect, it } from 'vitest';
import { COREDNS_VERSIONS } from '../../../src/addons/coredns.js';
import { coreDNSArtifacts, OLDER_COREDNS_VERSION } from '../../../src/sandbox/coredns-binaries.js';
import { dnsServerFiles } from '../../../src/sandbox/dns-server.js';
import { dnsPodNetwork, DNS_PODS, macOf, networkPlan, nodeNetwork, WORKER_MACHINES, workerNetwork } from '../../../src/sandbox/network.js';
import { PINNED_KUBERNETES_VERSIONS } from '../../../src/versions/pinned.js';

describe("the sandbox's DNS", () => {
  it('builds the CoreDNS each Kubernetes release names, each release once', () => {
    expect(coreDNSArtifacts([...PINNED_KUBERNETES_VERSIONS]).map((a) => [a.component, a.version, a.binaries])).toEqual(
      Object.values(COREDNS_VERSIONS).map((v) => ['coredns', v, ['coredns']]),
    );
    expect(coreDNSArtifacts(['v1.37.1', 'v1.37.0']).map((a) => a.version)).toEqual([COREDNS_VERSIONS[37]]);
    // `--version all`: and an older one, for upgrades across CoreDNS minors.
    expect(coreDNSArtifacts([...PINNED_KUBERNETES_VERSIONS], true).map((a) => a.version)).toEqual([OLDER_COREDNS_VERSION, ...Object.values(COREDNS_VERSIONS)]);
  });

  it("gives DNS pods addresses of their own on the sandbox's /24, between the control planes and the workers", () => {
    const plan = networkPlan(3);
    const pods = Array.from({ length: DNS_PODS }, (_, i) => dnsPodNetwork(plan, i));
    const nodes = [
      ...Array.from({ length: 70 }, (_, i) => nodeNetwork(plan, `cp-${i}`, i)),
      ...Array.from({ length: WORKER_MACHINES }, (_, i) => workerNetwork(plan, `w-${i}`, i)!),
    ];
    const taken = (key: 'address' | 'netns' | 'hostVeth') => new Set([...pods, ...nodes].map((n) => n[key])).size;
    expect([taken('address'), taken('netns'), taken('hostVeth')]).toEqual(Array(3).fill(pods.length + nodes.length));
    expect(pods[0]).toEqual({ netns: 'bosun3-dns0', address: '10.251.3.80', hostVeth: 'bosun3d0' });
    for (const pod of pods) expect(pod.hostVeth.length).toBeLessThanOrEqual(15); // IFNAMSIZ
    // A pod made again at an address keeps its MAC: the neighbours' ARP caches stay true.
    expect(new Set([...pods, ...nodes].map((n) => macOf(n.address))).size).toBe(pods.length + nodes.length);
    expect(macOf('10.251.3.80')).toBe('02:42:0a:fb:03:50');
  });

  it('serves fixed records from one zone file per parent zone, with an SOA so other names there are NXDOMAIN', () => {
    const files = dnsServerFiles({ 'www.acme.local': '192.0.2.1', 'api.acme.local.': '192.0.2.2', 'www.example.com': '192.0.2.3' });
    expect(files.Corefile).toBe('acme.local:53 {\n    file acme.local.zone\n    ready\n}\nexample.com:53 {\n    file example.com.zone\n}\n');
    expect(files['acme.local.zone']).toBe(
      [
        '$ORIGIN acme.local.',
        '@ 60 IN SOA ns.acme.local. hostmaster.acme.local. 1 7200 3600 1209600 60',
        'www.acme.local. 60 IN A 192.0.2.1',
        'api.acme.local. 60 IN A 192.0.2.2',
        '',
      ].join('\n'),
    );
    expect(Object.keys(files).sort()).toEqual(['Corefile', 'acme.local.zone', 'example.com.zone']);
  });

  it('refuses a record that is not a name under a zone with an IPv4 address', () => {
    expect(() => dnsServerFiles({ localhost: '127.0.0.1' })).toThrow('DNS record localhost 127.0.0.1: expected a name under a zone and an IPv4 address');
    expect(() => dnsServerFiles({ 'www.acme.local': '2001:db8::1' })).toThrow(/www\.acme\.local 2001:db8::1/);
  });
});
