import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/load.js';
import { readConfigText } from '../../../src/config/read.js';
import { ConfigError } from '../../../src/errors.js';
import { LocalHost } from '../../../src/host/local.js';
import { YAML_LIMITS } from '../../../src/util/yaml.js';
import { tempDir } from '../../support/temp.js';
import { configErrorOf } from './support.js';

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

  it('does not mistake brackets in quotes, comments or apostrophes for nesting', () => {
    const text = `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n# ${'['.repeat(100)}\nclusterName: "${'['.repeat(100)}"\nimageRepository: it's-${'{'.repeat(10)}\n`;
    expect(readConfigText(text, 'ok.yaml').cluster?.clusterName).toBe('['.repeat(100));
  });

  it('refuses files over the size limit without reading them', async () => {
    const dir = tempDir('bosun-config-');
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(YAML_LIMITS.maxBytes)}\n`);
    await expect(loadConfigFile(new LocalHost('/'), big)).rejects.toThrow(
      `${big}: the file is ${YAML_LIMITS.maxBytes + 3} bytes; a config file may have at most ${YAML_LIMITS.maxBytes} bytes`,
    );
    expect(() => readConfigText('#'.repeat(YAML_LIMITS.maxBytes + 1), 'big.yaml')).toThrow(ConfigError);
    await expect(loadConfigFile(new LocalHost('/'), path.join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read the config file: ENOENT/);
  });
});
