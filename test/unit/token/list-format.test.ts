import { describe, expect, it } from 'vitest';
import { formatTokens } from '../../../src/commands/token/list-format.js';
import { shortHumanDuration } from '../../../src/util/go-format.js';

const now = new Date('2026-11-22T05:00:00Z');
const tokens = [
  {
    token: 'abcdef.0123456789abcdef',
    expires: '2026-11-23T04:30:00Z',
    usages: ['authentication', 'signing'],
    groups: ['system:bootstrappers:kubeadm:default-node-token'],
  },
  { token: 'zyxwvu.0123456789abcdef', description: 'Proxy for managing TTL for the kubeadm-certs secret', expires: '2026-11-22T06:00:00Z' },
  { token: 'qwerty.0123456789abcdef', usages: ['signing'] },
];

describe('token list output', () => {
  it("lays out rows as kubeadm's tabwriter does (header aligned with the first row only)", () => {
    // Column widths: each cell + 3, at least 10; TTL, USAGES and DESCRIPTION pre-padded to 9, 22 and 56 (kubeadm's format).
    expect(formatTokens(tokens, 'text', now).split('\n')).toEqual([
      `TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION${' '.repeat(48)}EXTRA GROUPS`,
      `abcdef.0123456789abcdef   23h         2026-11-23T04:30:00Z   authentication,signing   <none>${' '.repeat(53)}system:bootstrappers:kubeadm:default-node-token`,
      `zyxwvu.0123456789abcdef   1h          2026-11-22T06:00:00Z   <none>                   Proxy for managing TTL for the kubeadm-certs secret${' '.repeat(8)}<none>`,
      `qwerty.0123456789abcdef   <forever>   <never>   signing                  <none>${' '.repeat(53)}<none>`,
      '',
    ]);
  });

  it('prints nothing when there are no tokens, as kubeadm does', () => {
    expect(formatTokens([], 'text', now)).toBe('');
  });

  it('prints output.kubeadm.k8s.io/v1alpha3 BootstrapToken objects in JSON and YAML', () => {
    const json = formatTokens(tokens.slice(0, 1), 'json', now);
    expect(JSON.parse(json)).toEqual({
      kind: 'BootstrapToken',
      apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
      token: 'abcdef.0123456789abcdef',
      expires: '2026-11-23T04:30:00Z',
      usages: ['authentication', 'signing'],
      groups: ['system:bootstrappers:kubeadm:default-node-token'],
    });
    expect(json).toMatch(/^\{\n {4}"kind"/);
    const yaml = formatTokens(tokens.slice(0, 2), 'yaml', now);
    expect(yaml.split('---\n')).toHaveLength(2);
    expect(yaml).toContain('token: zyxwvu.0123456789abcdef');
    // Alphabetical keys, as kubeadm's YAML (through JSON into a map) has them.
    expect(
      yaml
        .split('---\n')[0]
        .split('\n')
        .filter((l) => /^\w/.test(l))
        .map((l) => l.split(':')[0]),
    ).toEqual(['apiVersion', 'expires', 'groups', 'kind', 'token', 'usages']);
  });

  it("shortens durations as Go's ShortHumanDuration", () => {
    expect([-5000, -1000, 0, 59_999, 60_000, 3_599_999, 86_399_999, 86_400_000, 400 * 86_400_000].map(shortHumanDuration)).toEqual([
      '<invalid>',
      '0s',
      '0s',
      '59s',
      '1m',
      '59m',
      '23h',
      '1d',
      '1y',
    ]);
  });
});
