import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { durationMs, formatDuration, normalizeDuration, parseDuration } from '../../../src/config/duration.js';
import { cidrsOverlap, formatIP, nthIP, parseCIDR, parseCIDRList, parseHostPort, parseIP } from '../../../src/config/net.js';
import { kubeProxyAddon } from '../../../src/addons/essential.js';
import type { DaemonSet } from '../../../src/addons/workloads.js';
import { buildJoinConfig } from '../../../src/config/join.js';
import { chooseIPv4, defaultRouteInterfaces, nodeFacts } from '../../../src/config/node-facts.js';
import { buildInitConfig } from '../../../src/config/resolve.js';
import type { MachineFacts } from '../../../src/host/machine.js';
import { generateToken, isValidToken, isValidTokenGroup, splitToken } from '../../../src/tokens/token.js';

describe('Go durations', () => {
  it("parse as Go's time.ParseDuration does", () => {
    expect(parseDuration('8760h')).toBe(8760n * 3_600_000_000_000n);
    expect(parseDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(parseDuration('1.5s')).toBe(1_500_000_000n);
    expect(parseDuration('300ms')).toBe(300_000_000n);
    expect(parseDuration('2us')).toBe(2_000n);
    expect(parseDuration('2µs')).toBe(2_000n);
    expect(parseDuration('-1m')).toBe(-60_000_000_000n);
    expect(parseDuration('0')).toBe(0n);
    for (const bad of ['', '1', '1y', 'h', '.h', '1.2.3s', '1h 30m', '99999999999999999999h']) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it("format as Go's Duration.String() does", () => {
    const cases: [string, string][] = [
      ['8760h', '8760h0m0s'],
      ['87600h0m0s', '87600h0m0s'],
      ['1h30m', '1h30m0s'],
      ['90s', '1m30s'],
      ['1.5s', '1.5s'],
      ['300ms', '300ms'],
      ['1500us', '1.5ms'],
      ['42ns', '42ns'],
      ['0s', '0s'],
      ['-2h', '-2h0m0s'],
    ];
    for (const [input, output] of cases) expect(normalizeDuration(input), input).toBe(output);
    expect(formatDuration(1n)).toBe('1ns');
    expect(durationMs('4m0s')).toBe(240_000);
    expect(() => durationMs('soon')).toThrow(/not a duration/);
  });
});

describe('addresses and subnets', () => {
  it('parse IPv4 (leading zeros allowed, as Go) and IPv6', () => {
    expect(parseIP('010.1.2.3')).toEqual({ family: 4, value: 0x0a010203n });
    expect(formatIP(parseIP('fd00:0:0:0:0:0:0:a')!)).toBe('fd00::a');
    expect(formatIP(parseIP('::ffff:1.2.3.4')!)).toBe('::ffff:102:304');
    expect(formatIP(parseIP('2001:db8:0:1:0:0:0:1')!)).toBe('2001:db8:0:1::1');
    for (const bad of ['1.2.3', '256.1.1.1', 'fd00::g', 'fe80::1%eth0', '']) expect(parseIP(bad), bad).toBeUndefined();
  });

  it('parse CIDRs and lists, and do their arithmetic', () => {
    expect(parseCIDR('10.96.0.1/12')).toEqual({ family: 4, base: 0x0a600000n, prefix: 12 });
    expect(parseCIDR('10.96.0.0/33')).toBeUndefined();
    expect(parseCIDR('10.96.0.0')).toBeUndefined();
    expect(parseCIDRList('10.96.0.0/12, fd00::/108')).toHaveLength(2);
    expect(formatIP(nthIP(parseCIDR('10.96.0.0/12')!, 10))).toBe('10.96.0.10');
    expect(formatIP(nthIP(parseCIDR('fd00:10:96::/112')!, 1))).toBe('fd00:10:96::1');
    expect(() => nthIP(parseCIDR('10.0.0.0/30')!, 10)).toThrow(/no address number 10/);
    expect(cidrsOverlap(parseCIDR('10.96.0.0/12')!, parseCIDR('10.100.0.0/16')!)).toBe(true);
    expect(cidrsOverlap(parseCIDR('10.96.0.0/12')!, parseCIDR('10.244.0.0/16')!)).toBe(false);
    expect(cidrsOverlap(parseCIDR('10.0.0.0/8')!, parseCIDR('::/0')!)).toBe(false);
  });

  it('parse host:port endpoints', () => {
    expect(parseHostPort('lb.example.com')).toEqual({ host: 'lb.example.com' });
    expect(parseHostPort('10.0.0.1:6443')).toEqual({ host: '10.0.0.1', port: 6443 });
    expect(parseHostPort('[fd00::1]:6443')).toEqual({ host: 'fd00::1', port: 6443 });
    expect(parseHostPort('fd00::1')).toEqual({ host: 'fd00::1' });
    expect(parseHostPort('lb:0')).toHaveProperty('problem');
    expect(parseHostPort('Bad_Host')).toHaveProperty('problem');
  });
});

describe('bootstrap tokens', () => {
  it('are generated in the bootstrap token format, and validated', () => {
    const tokens = Array.from({ length: 50 }, generateToken);
    for (const t of tokens) expect(isValidToken(t)).toBe(true);
    expect(new Set(tokens).size).toBe(50);
    expect(splitToken('abcdef.0123456789abcdef')).toEqual({ id: 'abcdef', secret: '0123456789abcdef' });
    for (const bad of ['abcdef.0123456789abcde', 'ABCDEF.0123456789abcdef', 'abcdef0123456789abcdef', 'abcdef.0123456789abcdef\n'])
      expect(isValidToken(bad)).toBe(false);
    expect(isValidTokenGroup('system:bootstrappers:kubeadm:default-node-token')).toBe(true);
    expect(isValidTokenGroup('system:bootstrappers:')).toBe(false);
  });
});

describe('the default-route address', () => {
  const ROUTES = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth1\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0',
    'eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0',
    'eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'eth2\t00000000\t0100000A\t0002\t0\t0\t50\t00000000\t0\t0\t0',
  ].join('\n');
  const iface = (address: string, family: 'IPv4' | 'IPv6' = 'IPv4', internal = false) =>
    ({ address, family, internal, netmask: '', mac: '', cidr: null, scopeid: 0 }) as NetworkInterfaceInfo;

  it('is the IPv4 address of the default-route interface with the lowest metric', () => {
    expect(defaultRouteInterfaces(ROUTES)).toEqual(['eth0', 'eth1']);
    expect(chooseIPv4(['eth0', 'eth1'], { eth0: [iface('fd00::2', 'IPv6'), iface('10.0.0.2')], eth1: [iface('192.168.1.2')] })).toBe('10.0.0.2');
  });

  it('falls back to the first non-loopback IPv4 address, else nothing', () => {
    expect(chooseIPv4([], { lo: [iface('127.0.0.1', 'IPv4', true)], br0: [iface('169.254.1.1'), iface('172.16.0.1')] })).toBe('172.16.0.1');
    expect(chooseIPv4(['eth0'], { lo: [iface('127.0.0.1', 'IPv4', true)] })).toBeUndefined();
  });
});

describe('node facts from the machine', () => {
  const machine: MachineFacts = {
    hostname: () => 'Node-B',
    routeTable: () => 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\neth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\n',
    interfaces: () =>
      ({ eth0: [{ address: '10.0.0.7', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null }] }) as NodeJS.Dict<NetworkInterfaceInfo[]>,
    environment: () => ({ HTTPS_PROXY: 'http://proxy:3128', no_proxy: '10.0.0.0/8', PATH: '/bin' }),
  };
  const proxies = [
    { name: 'HTTPS_PROXY', value: 'http://proxy:3128' },
    { name: 'no_proxy', value: '10.0.0.0/8' },
  ];

  it('are what the config is resolved with: name, address and the proxy environment as an input', () => {
    const cfg = buildInitConfig(undefined, {}, nodeFacts(machine));
    expect(cfg.init.nodeRegistration.name).toBe('node-b');
    expect(cfg.init.localAPIEndpoint.advertiseAddress).toBe('10.0.0.7');
    expect(cfg.proxyEnv).toEqual(proxies);
    const ds = kubeProxyAddon(cfg).find((o): o is DaemonSet => o.kind === 'DaemonSet');
    expect(ds?.spec.template.spec.containers[0].env?.map((e) => e.name)).toEqual(['NODE_NAME', 'HTTPS_PROXY', 'no_proxy']);
    const join = buildJoinConfig(
      undefined,
      { apiServerEndpoint: '10.0.0.1:6443', token: 'abcdef.0123456789abcdef', discoveryTokenUnsafeSkipCaVerification: true },
      nodeFacts(machine),
    );
    expect(join.proxyEnv).toEqual(proxies);
  });

  it('leave the proxy environment empty where no machine is asked (validate, migrate)', () => {
    expect(buildInitConfig(undefined, {}).proxyEnv).toEqual([]);
  });
});
