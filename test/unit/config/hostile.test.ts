import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/load.js';
import { readConfigText } from '../../../src/config/read.js';
import { ConfigError } from '../../../src/errors.js';
import { LocalHost } from '../../../src/host/local.js';
import { YAML_LIMITS } from '../../../src/util/yaml.js';
import { tempDir } from '../../support/temp.js';
import { configErrorOf, doc, resolveText } from './support.js';

/** Hostile YAML is refused before it can cost time or memory (speed is measured by the bench, not here). */
describe('hostile YAML', () => {
  it('refuses a billion-laughs alias bomb', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nlogging:\n  ${levels.join('\n  ')}\n`;
    const err = configErrorOf(() => readConfigText(bomb, 'bomb.yaml'));
    expect(err.message).toBe(`bomb.yaml: document 1: YAML aliases expand beyond the limit of ${YAML_LIMITS.maxAliasCount}; refused`);
  });

  it('refuses 100k-deep flow nesting before parsing it', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(configErrorOf(() => readConfigText(deep, 'deep.yaml')).message).toBe(
      `deep.yaml: line 1: nesting is deeper than ${YAML_LIMITS.maxDepth} levels; refused`,
    );
    const mapping = 'apiVersion: v1\nkind: X\nx: ' + '{a: '.repeat(100_000) + '1' + '}'.repeat(100_000);
    expect(configErrorOf(() => readConfigText(mapping, 'deep.yaml')).field).toBe('line 3');
  });

  it('refuses deep block nesting, on one line or by indentation', () => {
    expect(configErrorOf(() => readConfigText('- '.repeat(100_000) + 'x\n', 'dash.yaml')).message).toMatch(/^dash\.yaml: line 1: nesting is deeper/);
    const indented = Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    expect(configErrorOf(() => readConfigText(indented, 'indent.yaml')).message).toMatch(/^indent\.yaml: document 1: nesting is deeper than 64 levels/);
  });

  it('refuses a block mapping indented past what the parser can nest before parsing it, naming the line', () => {
    // About 900 levels overflowed the parser's stack: "Maximum call stack size exceeded" was the message.
    const deep =
      'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nx:\n' + Array.from({ length: 1_000 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n');
    const message = configErrorOf(() => readConfigText(deep, 'deep.yaml')).message;
    expect(message).toMatch(/^deep\.yaml: line \d+: nesting is deeper than 64 levels; refused$/);
    expect(message).not.toMatch(/call stack/);
  });

  it('does not mistake brackets in quotes, comments or apostrophes for nesting', () => {
    const text = `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n# ${'['.repeat(100)}\nclusterName: "${'['.repeat(100)}"\nimageRepository: it's-${'{'.repeat(10)}\n`;
    expect(readConfigText(text, 'ok.yaml').cluster?.clusterName).toBe('['.repeat(100));
  });

  it('refuses more entries than the limit before parsing, in one line naming where', () => {
    // 40k keys took the parser 16 s (its duplicate-key check compares each key with every earlier one).
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`).join('\n');
    const err = configErrorOf(() => readConfigText(`apiVersion: v1\nkind: X\n${keys}\n`, 'many.yaml'));
    expect(err.message).toBe(
      `many.yaml: line ${YAML_LIMITS.maxEntries + 1}: more than ${YAML_LIMITS.maxEntries} entries (lines or flow items); YAML may have at most that many`,
    );
    const flow = `apiVersion: v1\nkind: X\nx: [${'1,'.repeat(YAML_LIMITS.maxEntries)}1]\n`;
    expect(configErrorOf(() => readConfigText(flow, 'flow.yaml')).field).toBe('line 3');
  });

  it('still refuses duplicate keys, naming the line, without comparing every pair', () => {
    const text = `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.244.0.0/16\n  podSubnet: 10.245.0.0/16\n`;
    expect(configErrorOf(() => readConfigText(text, 'dup.yaml')).message).toBe(
      'dup.yaml: line 5, column 3: invalid YAML: the key "podSubnet" is set twice in one mapping; keys must be unique',
    );
    // Merge keys may repeat; 1 and "1" are different keys.
    const merged = 'apiVersion: v1\nkind: X\na: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n  1: one\n  "1": also\n';
    expect(configErrorOf(() => readConfigText(merged, 'ok.yaml')).field).toBe('apiVersion');
  });

  it('lists ten problems at most, then how many more', () => {
    const keys = Array.from({ length: 4000 }, (_, i) => `k${i}: ${i}`).join('\n');
    const lines = configErrorOf(() =>
      readConfigText(`apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n${keys}\n`, 'k.yaml'),
    ).message.split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('k.yaml: KubeletConfiguration: k0: unknown field "k0"');
    expect(lines[10]).toBe('... and 3990 more problems');
  });

  it('quotes keys and values with control characters escaped', () => {
    const text = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"bad\\u001b[31mkey\\u009b": 1\nkubernetesVersion: "v1\\u001b[2J"\n';
    const message = configErrorOf(() => readConfigText(text, 'esc.yaml')).message;
    expect(message).toMatch(/^esc\.yaml: ClusterConfiguration: \["bad\\x1b\[31mkey\\x9b"\]: unknown field "bad\\x1b\[31mkey\\x9b"; expected one of etcd, /);
    expect(message).not.toMatch(/\p{Cc}/u);
    const gate = configErrorOf(() => resolveText(doc('ClusterConfiguration', 'featureGates: {"Gate\\e]0;x\\a": true}'))).message;
    expect(gate).toBe(
      'cfg.yaml: ClusterConfiguration: featureGates["Gate\\x1b]0;x\\x07"]: "Gate\\x1b]0;x\\x07" is not a kubeadm feature gate; expected one of RootlessControlPlane',
    );
  });

  it('refuses files over the size limit without reading them', async () => {
    const dir = tempDir('bosun-config-');
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(YAML_LIMITS.maxBytes)}\n`);
    await expect(loadConfigFile(new LocalHost('/'), big)).rejects.toThrow(
      `--config "${big}": the file is ${YAML_LIMITS.maxBytes + 3} bytes; a config file may have at most ${YAML_LIMITS.maxBytes} bytes`,
    );
    expect(() => readConfigText('#'.repeat(YAML_LIMITS.maxBytes + 1), 'big.yaml')).toThrow(ConfigError);
    await expect(loadConfigFile(new LocalHost('/'), path.join(dir, 'missing.yaml'))).rejects.toThrow(
      /^--config ".*missing\.yaml": cannot read the config file: ENOENT$/,
    );
  });
});
