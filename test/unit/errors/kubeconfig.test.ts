import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterFromKubeconfig } from '../../../src/cluster/connect.js';
import { checkKubeconfigForClient, parseKubeconfig, readKubeconfigTarget } from '../../../src/kubeconfig/kubeconfig.js';
import { parseYaml, parseYamlDocuments } from '../../../src/util/yaml.js';
import { tempDir } from '../../support/temp.js';
import { runCli } from '../config/support.js';

const keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const keyData = Buffer.from(keyPem).toString('base64');
const garbage = randomBytes(120).toString('base64');

/** A kubeconfig whose user's client-key-data line is `keyLine` (everything after `client-key-data:`). */
const kubeconfig = (keyLine: string) => `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://192.0.2.10:6443
contexts:
- name: u@c
  context: {cluster: c, user: u}
current-context: u@c
users:
- name: u
  user:
    client-key-data:${keyLine}
`;

/** Every stretch of 6 characters of `secret` (and of what it decodes to): none may be in a message. */
function expectNoPartOf(secret: string, message: string): void {
  const decoded = Buffer.from(secret, 'base64').toString('latin1');
  for (const source of [secret, decoded]) {
    for (let i = 0; i + 6 <= source.length; i++) {
      const part = source.slice(i, i + 6);
      if (/^[-A-Z ]+$/.test(part)) continue; // the PEM armour (`-----BEGIN PRIVATE KEY-----`) is no secret
      expect(message, `quotes ${JSON.stringify(part)}`).not.toContain(part);
    }
  }
}

const messageOf = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

const CORRUPT: Array<[string, string, string]> = [
  ['garbage', ` ${garbage}`, garbage],
  ['truncated', ` ${keyData.slice(0, 97)}`, keyData.slice(0, 97)],
  ['a broken YAML line (a second colon)', ` ${keyData}: oops`, keyData],
  ['a broken YAML line (unterminated quote)', ` "${keyData}`, keyData],
  ['a broken YAML line (a stray token)', ` ${keyData}\n  ${garbage}`, garbage],
  ['a broken block scalar header', ` |${keyData}`, keyData],
  ['a broken folded scalar header', ` >${garbage}`, garbage],
  ['a tag', ` !${keyData.slice(0, 40)} x`, keyData.slice(0, 40)],
  ['a flow scalar gone wrong', ` [${keyData}, {]`, keyData],
];

// The CLI loads the Kubernetes client library on first use: seconds on a busy machine.
const CLI_TIMEOUT_MS = 60_000;

describe('a corrupt kubeconfig never has its key data quoted', { timeout: CLI_TIMEOUT_MS }, () => {
  for (const [name, line, secret] of CORRUPT) {
    it(`client-key-data: ${name}`, async () => {
      const text = kubeconfig(line);
      // Valid YAML with bad key data reads (its users check the PEM); anything refused names no byte of it.
      expectNoPartOf(secret, await messageOf(() => readKubeconfigTarget(text)).catch(() => ''));
      const read = await messageOf(() => checkKubeconfigForClient(text));
      expect(read).toMatch(/is not YAML: .* at line \d+, column \d+|client-key-data is not a base64-encoded PEM private key/);
      expectNoPartOf(secret, read);
      const client = await messageOf(() => clusterFromKubeconfig(text, { source: '/etc/kubernetes/admin.conf' }));
      expect(client).toMatch(/^\/etc\/kubernetes\/admin\.conf: not a valid kubeconfig: /);
      expectNoPartOf(secret, client);
    });
  }

  it('through the CLI: names the file, exit 1, no byte of the key', async () => {
    const dir = tempDir('bosun-kubeconfig-');
    for (const [, line, secret] of CORRUPT) {
      const file = path.join(dir, 'admin.conf');
      writeFileSync(file, kubeconfig(line));
      const { code, stderr } = await runCli(['token', 'list', '--kubeconfig', file]);
      expect(code).toBe(1);
      expect(stderr).toContain(`${file}: not a valid kubeconfig: `);
      expectNoPartOf(secret, stderr);
    }
  });

  it('a sound key passes', () => {
    expect(checkKubeconfigForClient(kubeconfig(` ${keyData}`)).clientKeyPem).toBe(keyPem);
  });
});

describe('YAML syntax errors quote no input', () => {
  const token = 'abcdef.0123456789abcdef';
  it.each([
    [`token: ${token}: x`, 'Nested mappings are not allowed in compact mappings at line 1, column 8'],
    [`token: |${token}\n  x`, 'Block scalar header includes extra characters at line 1, column'],
    [`token: >-${token}\n  x`, 'Block scalar header includes extra characters at line 1, column'],
    [`- a\nb: ${token}`, 'Unexpected scalar at node end at line 2, column 1'],
    [`a: "${token}`, 'Missing closing quote at line 1, column 28'],
    [`a: "\\q${token}"`, 'Invalid escape sequence at line 1, column 5'],
  ])('%j', (text, expected) => {
    for (const parse of [parseYaml, parseYamlDocuments]) {
      let message = '';
      try {
        parse(text);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain(expected);
      expect(message).not.toContain('abcdef');
      expect(message).not.toContain('0123456789');
    }
  });
});

describe('a malformed kubeconfig is refused naming the field, not with a runtime message', { timeout: CLI_TIMEOUT_MS }, () => {
  const base = kubeconfig(` ${keyData}`);
  const list = (name: string, body: string) => `apiVersion: v1\nkind: Config\n${name}:${body}\n`;
  it.each([
    [list('clusters', ' [null]'), 'clusters[0]: expected a mapping with name and cluster, got null'],
    [list('users', '\n- null'), 'users[0]: expected a mapping with name and user, got null'],
    [list('contexts', ' 5'), 'contexts: expected a list, got a number'],
    [list('contexts', '\n- name: x\n  context: just-a-string'), 'contexts[0].context: expected a mapping, got a string'],
    [list('users', '\n- user: {}'), 'users[0].name: expected a string, got null'],
    [list('current-context', ' [a]'), 'current-context: expected a string, got a list'],
  ])('%j', (text, expected) => {
    expect(() => parseKubeconfig(text)).toThrow(expected);
  });

  it('null lists are empty, as client-go reads them', () => {
    expect(() => readKubeconfigTarget('apiVersion: v1\nkind: Config\nclusters: null\n')).toThrow('has no cluster');
  });

  it('a server that is not a URL, or plain http without insecure-skip-tls-verify', () => {
    const server = (url: string) => base.replace('https://192.0.2.10:6443', url);
    expect(() => readKubeconfigTarget(server('"http://["'))).toThrow(`its cluster's server "http://[" is not a URL; expected https://host:port`);
    expect(() => readKubeconfigTarget(server('"\\e[31mhost"'))).toThrow(`its cluster's server "\\x1b[31mhost" is not a URL`);
    expect(() => checkKubeconfigForClient(server('http://192.0.2.10:8080'))).toThrow('is plain http; expected https://, or insecure-skip-tls-verify: true');
  });

  it('a context name with an escape sequence is quoted safely', () => {
    expect(() => readKubeconfigTarget(base.replace('current-context: u@c', 'current-context: "\\e]0;x\\a"'))).toThrow('has no context "\\x1b]0;x\\x07"');
  });

  it('a kubeconfig path that is a directory is named, exit 1', async () => {
    const dir = tempDir('bosun-kubeconfig-dir-');
    mkdirSync(path.join(dir, 'admin.conf'));
    for (const args of [
      ['token', 'list'],
      ['token', 'create', '--print-join-command'],
      ['upgrade', 'plan'],
    ]) {
      const { code, stderr } = await runCli([...args, '--kubeconfig', path.join(dir, 'admin.conf')]);
      expect(stderr).toBe(`error: kubeconfig ${path.join(dir, 'admin.conf')}: found a directory; expected a regular file (a kubeconfig)\n`);
      expect(code).toBe(1);
    }
  });
});
