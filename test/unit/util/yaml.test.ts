import { describe, expect, it } from 'vitest';
import { parseKubeconfig, readKubeconfigTarget } from '../../../src/kubeconfig/kubeconfig.js';
import { parseYaml, parseYamlDocuments, YAML_LIMITS, YamlError } from '../../../src/util/yaml.js';

/** Nine levels of nine aliases each: ~387 million strings if expanded. */
function aliasBomb(indent = ''): string {
  const levels = [`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return levels.map((l) => `${indent}${l}`).join('\n');
}

const refusal = (parse: () => unknown): YamlError => {
  try {
    parse();
  } catch (err) {
    if (err instanceof YamlError) return err;
    throw err;
  }
  throw new Error('expected a YamlError');
};

/** Every YAML bosun reads goes through one parser with the limits, not only `--config`. */
describe('safe YAML', () => {
  it('refuses an alias bomb in a kubeconfig, as text from a node or a discovery URL would carry it', () => {
    const kubeconfig = `apiVersion: v1\nkind: Config\npreferences:\n${aliasBomb('  ')}\nclusters: [{name: c, cluster: {server: "https://10.0.0.1:6443"}}]\n`;
    expect(() => readKubeconfigTarget(kubeconfig)).toThrow(`is not YAML: YAML aliases expand beyond the limit of ${YAML_LIMITS.maxAliasCount}; refused`);
    expect(() => parseKubeconfig(kubeconfig)).toThrow(/aliases expand beyond the limit/);
  });

  it('refuses an alias bomb in an inventory-like document and says which document of a stream', () => {
    const inventory = `nodes:\n  - name: a\n    labels:\n${aliasBomb('      ')}\n`;
    expect(refusal(() => parseYaml(inventory))).toMatchObject({ problem: 'aliases', where: { document: 1 } });
    expect(refusal(() => parseYamlDocuments(`kind: A\n---\n${inventory}`))).toMatchObject({ problem: 'aliases', where: { document: 2 } });
  });

  it('refuses deep nesting before parsing, naming the line', () => {
    const deep = `a: 1\nb: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    expect(refusal(() => parseYaml(deep))).toMatchObject({ problem: 'depth', where: { line: 2 } });
  });

  it('reports a syntax error by its first line only, never quoting the text', () => {
    const err = refusal(() => parseYaml('token: abc\n  secret: [unclosed\n'));
    expect(err.problem).toBe('syntax');
    expect(err.message).not.toContain('\n');
    expect(err.message).not.toContain('unclosed');
  });

  it('still reads what is fine, with few aliases and merge keys as Go reads them', () => {
    expect(parseYaml('base: &b {x: 1}\nuse: {<<: *b, y: 2}\n')).toEqual({ base: { x: 1 }, use: { x: 1, y: 2 } });
    expect(parseYamlDocuments('a: 1\n---\n---\nb: 2\n')).toEqual([{ a: 1 }, null, { b: 2 }]);
  });
});
