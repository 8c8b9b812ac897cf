/**
 * Bootstrap tokens between bosun and the real kubeadm (same version) on a sandbox cluster: each lists and deletes the
 * other's tokens, kubeadm's discovery accepts bosun's cluster-info and CA pin, bosun joins with a token kubeadm made.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { artifactDir, kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../src/versions/pinned.js';
import { bosun, runCommand, startSandbox, type Sandbox } from '../support/sandbox.js';

const KUBEADM = path.join(artifactDir(kubernetesArtifact(DEFAULT_KUBERNETES_VERSION)), 'kubeadm');

/** The columns of a token table that do not move with the clock (TTL does). */
const stableColumns = (table: string) =>
  table
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split(/ {3,}/)
        .filter((_, i) => i !== 1)
        .join(' | '),
    )
    .sort();

describe('bootstrap tokens with kubeadm', () => {
  let sandbox: Sandbox;
  const kubeadm = async (...args: string[]) => {
    const result = await runCommand([KUBEADM, ...args]);
    expect(result.code, `kubeadm ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const ours = async (...args: string[]) => {
    const result = await bosun(...args);
    expect(result.code, `bosun ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 0 });
  });

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it('lists the same tokens as kubeadm, made by either', async () => {
    const mine = (
      await ours('token', 'create', '--kubeconfig', sandbox.kubeconfig, '--description', 'made by bosun', '--groups', 'system:bootstrappers:ci', '--ttl', '2h')
    ).trim();
    const theirs = (
      await kubeadm(
        'token',
        'create',
        '--kubeconfig',
        sandbox.kubeconfig,
        '--description',
        'made by kubeadm',
        '--usages',
        'signing,authentication',
        '--ttl',
        '3h',
      )
    ).trim();
    const [kubeadmText, bosunText] = [
      await kubeadm('token', 'list', '--kubeconfig', sandbox.kubeconfig),
      await ours('token', 'list', '--kubeconfig', sandbox.kubeconfig),
    ];
    expect(bosunText).toContain(mine);
    expect(bosunText).toContain(theirs);
    expect(stableColumns(bosunText)).toEqual(stableColumns(kubeadmText));
    expect(await ours('token', 'list', '--kubeconfig', sandbox.kubeconfig, '-o', 'json')).toBe(
      await kubeadm('token', 'list', '--kubeconfig', sandbox.kubeconfig, '-o', 'json'),
    );
    // The same documents and key order; kubeadm indents sequences differently.
    const yamlDocs = (text: string) => parseAllDocuments(text).map((d) => JSON.stringify(d.toJS()));
    expect(yamlDocs(await ours('token', 'list', '--kubeconfig', sandbox.kubeconfig, '-o', 'yaml'))).toEqual(
      yamlDocs(await kubeadm('token', 'list', '--kubeconfig', sandbox.kubeconfig, '-o', 'yaml')),
    );
  });

  it("deletes tokens by id or whole, and kubeadm deletes bosun's", async () => {
    const a = (await ours('token', 'create', '--kubeconfig', sandbox.kubeconfig)).trim();
    const b = (await ours('token', 'create', '--kubeconfig', sandbox.kubeconfig)).trim();
    expect(await ours('token', 'delete', '--kubeconfig', sandbox.kubeconfig, a.split('.')[0])).toBe(`bootstrap token "${a.split('.')[0]}" deleted\n`);
    await kubeadm('token', 'delete', '--kubeconfig', sandbox.kubeconfig, b);
    const listed = await kubeadm('token', 'list', '--kubeconfig', sandbox.kubeconfig);
    expect(listed).not.toContain(a);
    expect(listed).not.toContain(b);
    const missing = await bosun('token', 'delete', '--kubeconfig', sandbox.kubeconfig, a);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/failed to delete bootstrap token ".{6}": Secret kube-system\/bootstrap-token-.{6} not found/);
  });

  it('refuses a malformed token, TTL, usage or group and creates nothing', async () => {
    const before = await ours('token', 'list', '--kubeconfig', sandbox.kubeconfig, '-o', 'json');
    for (const [args, why] of [
      [['abc.def'], /\[token\]: the token is malformed/],
      [['--ttl', 'soon'], /--ttl: "soon" is not a duration/],
      [['--usages', 'signing,everything'], /--usages: "everything" is not a token usage/],
      [['--groups', 'system:masters'], /--groups: "system:masters" is not a bootstrap group: extra groups must start with "system:bootstrappers:"/],
    ] as const) {
      const result = await bosun('token', 'create', '--kubeconfig', sandbox.kubeconfig, ...args);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(why);
    }
    expect(await ours('token', 'list', '--kubeconfig', sandbox.kubeconfig, '-o', 'json')).toBe(before);
  });

  it("passes kubeadm's join discovery with bosun's cluster-info and printed CA pin", async () => {
    const line = (await ours('token', 'create', '--kubeconfig', sandbox.kubeconfig, '--print-join-command')).trim();
    const result = await runCommand([
      KUBEADM,
      'join',
      'phase',
      'preflight',
      ...line.split(' ').slice(2),
      '--ignore-preflight-errors=all',
      '--node-name',
      'kubeadm-probe',
      '-v=1',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toMatch(/Cluster info signature and contents are valid and TLS certificate validates against pinned roots/);
    expect(output).toContain('[preflight] Reading configuration from the "kubeadm-config" ConfigMap');
  });

  it('joins a worker with the join command kubeadm prints for its own token', async () => {
    const line = (await kubeadm('token', 'create', '--kubeconfig', sandbox.kubeconfig, '--print-join-command')).trim();
    expect(line).toMatch(/^kubeadm join \S+ --token \S+ --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}/);
    const rootfs = sandboxPaths(sandbox.dir).nodeRoot('kubeadm-token');
    const result = await bosun(...line.split(/\s+/).slice(1), '--rootfs', rootfs, '--node-name', 'kubeadm-token', '--ignore-preflight-errors', 'Port-10250');
    expect(result.code, result.stderr).toBe(0);
    const wait = await sandbox.kubectlRun('wait', 'node/kubeadm-token', '--for=condition=Ready', '--timeout=120s');
    expect(wait.code, wait.stderr).toBe(0);
    expect(readdirSync(path.join(rootfs, 'etc/kubernetes'))).toContain('kubelet.conf');
  });
});
