import { describe, expect, test } from 'vitest';
import { altNames, canonicalIP, firstServiceIP } from '../../../src/pki/alt-names.js';
import { httpsURL } from '../../../src/kubeconfig/specs.js';

describe('firstServiceIP', () => {
  test.each([
    ['10.96.0.0/12', '10.96.0.1'],
    ['10.96.5.7/12', '10.96.0.1'],
    ['172.16.0.0/16,fd00::/108', '172.16.0.1'],
    ['fd00:10:96::/108', 'fd00:10:96::1'],
  ])('%s -> %s', (subnet, ip) => expect(firstServiceIP(subnet)).toBe(ip));

  test('a subnet that is no CIDR is refused, naming the field', () => {
    expect(() => firstServiceIP('10.96.0.0')).toThrow(/networking\.serviceSubnet: "10\.96\.0\.0" is not a CIDR/);
  });
});

test('canonicalIP gives one text per address and none for names', () => {
  expect(canonicalIP('0:0:0:0:0:0:0:1')).toBe('::1');
  expect(canonicalIP('FD00:0::A')).toBe('fd00::a');
  expect(canonicalIP('192.0.2.1')).toBe('192.0.2.1');
  expect(canonicalIP('cp-1')).toBeUndefined();
});

test('altNames sorts and dedups DNS names, dedups IPs keeping their order', () => {
  expect(altNames(['b', '10.0.0.2', 'a', '', 'b', '10.0.0.1', '::1', '0::1', '10.0.0.2'])).toEqual({
    dnsNames: ['a', 'b'],
    ips: ['10.0.0.2', '10.0.0.1', '::1'],
  });
});

test('httpsURL brackets IPv6 hosts', () => {
  expect(httpsURL('fd00::1', 6443)).toBe('https://[fd00::1]:6443');
  expect(httpsURL('192.0.2.1', 6443)).toBe('https://192.0.2.1:6443');
  expect(httpsURL('cp.example.com', 443)).toBe('https://cp.example.com:443');
});
