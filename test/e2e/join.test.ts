/**
 * `bosun join` end to end in a sandbox: simulated workers (the sandbox's node agent plays their kubelet's TLS bootstrap,
 * the real controller-manager approves and signs) and a second control-plane node in its own network namespace.
 * Every bad input must fail with its reason and leave the node's rootfs as it was (empty).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { filesUnder, serveDiscoveryFile, tlsCall } from '../support/join.js';
import { BOSUN, bosun, runCommand, startSandbox, type Sandbox } from '../support/sandbox.js';

const WAIT = '--timeout=120s';

describe('bosun join in a sandbox', () => {
  let sandbox: Sandbox;
  let joinLine: string[];
  /** The certificate key kubeadm-certs was last uploaded with. */
  let uploadedKey = '';
  const root = (node: string) => sandboxPaths(sandbox.dir).nodeRoot(node);
  const ok = async (...args: string[]) => {
    const result = await sandbox.kubectlRun(...args);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const tokenCreate = async (...args: string[]) => {
    const result = await bosun('token', 'create', '--kubeconfig', sandbox.kubeconfig, ...args);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.trim();
  };
  /** `bosun join` for a simulated node (its own rootfs; port 10250 is not its to check on this machine). */
  const join = (node: string, args: string[], ...extra: string[]) =>
    bosun(...args, '--rootfs', root(node), '--node-name', node, '--ignore-preflight-errors', 'Port-10250', ...extra);
  /** A join that must fail: its message, and nothing written on the node. */
  const refused = async (node: string, args: string[], ...extra: string[]) => {
    const result = await join(node, args, ...extra);
    expect(result.code, result.stdout).not.toBe(0);
    expect(filesUnder(root(node))).toEqual([]);
    return result.stderr;
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 0 });
    const line = await tokenCreate('--print-join-command');
    expect(line).toMatch(/^bosun join 10\.251\.\d+\.10:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/);
    joinLine = line.split(' ').slice(1);
  });

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it('joins a worker with the printed join command; the real controller-manager approves its CSR', async () => {
    const result = await join('worker-a', joinLine);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('This node has joined the cluster');
    await ok('wait', 'node/worker-a', '--for=condition=Ready', WAIT);
    const csrs = JSON.parse(await ok('get', 'csr', '-o', 'json')).items as Array<{
      spec: { username: string; signerName: string; request: string };
      status: { conditions?: Array<{ type: string; reason: string }>; certificate?: string };
    }>;
    const id = joinLine[joinLine.indexOf('--token') + 1].split('.')[0];
    const csr = csrs.find((c) => c.spec.username === `system:bootstrap:${id}`)!;
    expect(csr.spec.signerName).toBe('kubernetes.io/kube-apiserver-client-kubelet');
    expect(csr.status.conditions).toContainEqual(expect.objectContaining({ type: 'Approved', reason: 'AutoApproved' }));
    expect(csr.status.certificate).toBeTruthy();
    const files = filesUnder(root('worker-a'));
    for (const file of [
      'etc/kubernetes/kubelet.conf',
      'etc/kubernetes/pki/ca.crt',
      'var/lib/kubelet/config.yaml',
      'var/lib/kubelet/kubeadm-flags.env',
      'var/lib/kubelet/pki/kubelet-client-current.pem',
    ]) {
      expect(files).toContain(file);
    }
    // The bootstrap token leaves the node once the kubelet has its own credentials.
    expect(files).not.toContain('etc/kubernetes/bootstrap-kubelet.conf');
    expect(readFileSync(path.join(root('worker-a'), 'var/lib/kubelet/config.yaml'), 'utf8')).toContain('clusterDNS:');
  });

  it('runs phase by phase with "bosun join phase <name>"', async () => {
    for (const phase of [
      'preflight',
      'control-plane-prepare all',
      'kubelet-start',
      'etcd-join',
      'kubelet-wait-bootstrap',
      'mark-control-plane',
      'wait-control-plane',
    ]) {
      const result = await join('phased', ['join', 'phase', ...phase.split(' '), ...joinLine.slice(1)]);
      expect(result.code, `${phase}: ${result.stderr}`).toBe(0);
      if (phase === 'preflight') expect(filesUnder(root('phased'))).toEqual([]);
    }
    await ok('wait', 'node/phased', '--for=condition=Ready', WAIT);
  });

  it('joins from a JoinConfiguration file, v1beta3 converted', async () => {
    const [endpoint] = joinLine.slice(1);
    const token = joinLine[joinLine.indexOf('--token') + 1];
    const hash = joinLine[joinLine.indexOf('--discovery-token-ca-cert-hash') + 1];
    const file = path.join(sandbox.dir, 'join-v1beta3.yaml');
    writeFileSync(
      file,
      'apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\n' +
        `discovery:\n  bootstrapToken:\n    apiServerEndpoint: ${endpoint}\n    token: ${token}\n    caCertHashes: [${hash}]\n` +
        'nodeRegistration:\n  name: from-config\n  ignorePreflightErrors: [Port-10250]\n  kubeletExtraArgs:\n    node-labels: tier=web\n',
      { mode: 0o600 },
    );
    const result = await bosun('join', '--config', file, '--rootfs', root('from-config'));
    expect(result.code, result.stderr).toBe(0);
    await ok('wait', 'node/from-config', '--for=condition=Ready', WAIT);
    expect(readFileSync(path.join(root('from-config'), 'var/lib/kubelet/kubeadm-flags.env'), 'utf8')).toContain('--node-labels=tier=web');
  });

  it('discovers the cluster from a kubeconfig served over HTTPS (--discovery-file https://…)', async () => {
    const pkiDir = path.join(root('control-plane'), 'etc/kubernetes/pki');
    const server = await serveDiscoveryFile(sandbox.kubeconfig, pkiDir);
    try {
      const token = joinLine[joinLine.indexOf('--token') + 1];
      // The URL is verified against this machine's trusted roots, as kubeadm does: the cluster CA is added to them.
      const result = await runCommand(
        [
          process.execPath,
          BOSUN,
          'join',
          '--discovery-file',
          server.url,
          '--tls-bootstrap-token',
          token,
          '--rootfs',
          root('from-url'),
          '--node-name',
          'from-url',
          '--ignore-preflight-errors',
          'Port-10250',
        ],
        { env: { NODE_EXTRA_CA_CERTS: path.join(pkiDir, 'ca.crt') } },
      );
      expect(result.code, result.stderr).toBe(0);
      await ok('wait', 'node/from-url', '--for=condition=Ready', WAIT);
    } finally {
      server.close();
    }
  });

  it('refuses a wrong CA hash', async () => {
    const args = joinLine.map((a) => (a.startsWith('sha256:') ? `sha256:${'0'.repeat(64)}` : a));
    expect(await refused('bad-hash', args)).toMatch(
      /the cluster CA found in the cluster-info ConfigMap is not the one pinned by --discovery-token-ca-cert-hash/,
    );
  });

  it('refuses an unknown token, once the discovery timeout is over', async () => {
    const args = joinLine.map((a) => (/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(a) ? `zzzzzz.${randomBytes(8).toString('hex')}` : a));
    expect(await refused('unknown-token', args, '--discovery-timeout', '3s')).toMatch(
      /gave up after .*token id "zzzzzz" is invalid for this cluster or it has expired/,
    );
  });

  it('refuses a token without the signing usage', async () => {
    const token = await tokenCreate('--usages', 'authentication');
    const args = joinLine.map((a) => (/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(a) ? token : a));
    expect(await refused('no-signing', args, '--discovery-timeout', '3s')).toMatch(/carries no signature for it .*without the "signing" usage/);
  });

  it("refuses a cluster-info whose signature does not match (the token's id with another secret)", async () => {
    const args = joinLine.map((a) => (/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(a) ? `${a.split('.')[0]}.${'0'.repeat(16)}` : a));
    expect(await refused('tampered', args)).toMatch(/does not match its content: either cluster-info was tampered with or the token's secret is wrong/);
  });

  it('gives up on an unreachable endpoint within the discovery timeout', async () => {
    const args = joinLine.map((a) => (/:6443$/.test(a) ? '127.0.0.1:1' : a));
    expect(await refused('unreachable', args, '--discovery-timeout', '2s')).toMatch(/discovery at https:\/\/127\.0\.0\.1:1: gave up after .*ECONNREFUSED/);
  });

  it('refuses a node name that is already registered and Ready', async () => {
    const result = await bosun(...joinLine, '--rootfs', root('again'), '--node-name', 'worker-a', '--ignore-preflight-errors', 'Port-10250');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/a Node named "worker-a" is already registered and Ready in the cluster/);
    expect(filesUnder(root('again'))).toEqual([]);
  });

  it('writes nothing on a dry run and says what it would write', async () => {
    const result = await join('dry', joinLine, '--dry-run');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('[dryrun] would write /etc/kubernetes/bootstrap-kubelet.conf (mode 0600)');
    expect(result.stdout).not.toMatch(/token: [a-z0-9]{6}\./);
    expect(filesUnder(root('dry'))).toEqual([]);
  });

  it('refuses a certificate key that does not decrypt kubeadm-certs', async () => {
    const key = randomBytes(32).toString('hex');
    // Certificates uploaded with one key, the join given another.
    const config = path.join(sandbox.dir, 'upload-certs-test.yaml');
    uploadedKey = randomBytes(32).toString('hex');
    const initConfig = readFileSync(path.join(sandbox.dir, 'init-config.yaml'), 'utf8').replace(
      'kind: InitConfiguration\n',
      `kind: InitConfiguration\ncertificateKey: ${uploadedKey}\n`,
    );
    writeFileSync(config, initConfig, { mode: 0o600 });
    const uploaded = await bosun('init', 'phase', 'upload-certs', '--upload-certs', '--config', config, '--rootfs', root('control-plane'));
    expect(uploaded.code, uploaded.stderr).toBe(0);
    // Preflight's control-plane checks are about this machine, not the node: ignored to reach download-certs.
    const result = await bosun(
      ...joinLine,
      '--rootfs',
      root('wrong-key'),
      '--node-name',
      'wrong-key',
      '--control-plane',
      '--certificate-key',
      key,
      '--apiserver-advertise-address',
      '10.0.0.99',
      '--ignore-preflight-errors',
      'all',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--certificate-key does not decrypt Secret kube-system\/kubeadm-certs/);
    expect(result.stderr).not.toContain(key);
    expect(filesUnder(root('wrong-key'))).toEqual([]);
  });

  it('dry-runs a control-plane join with the right key: every file and the etcd member only recorded', async () => {
    const result = await bosun(
      ...joinLine,
      '--rootfs',
      root('cp-dry'),
      '--node-name',
      'cp-dry',
      '--control-plane',
      '--certificate-key',
      uploadedKey,
      '--apiserver-advertise-address',
      '10.0.0.98',
      '--ignore-preflight-errors',
      'all',
      '--dry-run',
    );
    expect(result.code, result.stderr).toBe(0);
    for (const file of [
      '/etc/kubernetes/pki/ca.key',
      '/etc/kubernetes/pki/apiserver.crt',
      '/etc/kubernetes/admin.conf',
      '/etc/kubernetes/manifests/etcd.yaml',
      '/etc/kubernetes/manifests/kube-apiserver.yaml',
    ]) {
      expect(result.stdout).toContain(`[dryrun] would write ${file}`);
    }
    expect(result.stdout).toContain('Adding etcd member https://10.0.0.98:2380 as a learner');
    expect(result.stdout).not.toContain('BEGIN RSA PRIVATE KEY');
    expect(filesUnder(root('cp-dry'))).toEqual([]);
    // etcd is left alone too: the next test finds exactly its two members.
  });

  it('joins a second control-plane node: two API servers and a two-member etcd, all running', async () => {
    const result = await bosun('sandbox', 'join', '--dir', sandbox.dir, '--control-planes', '1');
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const state = JSON.parse(readFileSync(sandboxPaths(sandbox.dir).state, 'utf8')) as SandboxState;
    const second = state.nodes.find((n) => n.name === 'control-plane-2')!;
    expect(readFileSync(path.join(sandboxPaths(sandbox.dir).logs('control-plane-2'), 'join.log'), 'utf8')).toContain(
      'a new control plane instance was created',
    );
    const node = JSON.parse(await ok('get', 'node', 'control-plane-2', '-o', 'json'));
    expect(node.metadata.labels).toHaveProperty('node-role.kubernetes.io/control-plane', '');
    expect(node.spec.taints).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });

    const pki = (file: string) => readFileSync(path.join(root('control-plane'), 'etc/kubernetes/pki', file));
    const etcdTLS = { ca: pki('etcd/ca.crt'), cert: pki('etcd/healthcheck-client.crt'), key: pki('etcd/healthcheck-client.key') };
    const members = JSON.parse((await tlsCall(`https://${second.network!.address}:2379/v3/cluster/member/list`, etcdTLS)).body).members as Array<{
      name: string;
      isLearner?: boolean;
    }>;
    expect(members.map((m) => m.name).sort()).toEqual(['control-plane', 'control-plane-2']);
    expect(members.every((m) => !m.isLearner)).toBe(true);
    for (const address of [state.nodes[0].network!.address, second.network!.address]) {
      const readyz = await tlsCall(`https://${address}:6443/readyz`, { ca: pki('ca.crt') });
      expect(readyz, address).toEqual({ status: 200, body: 'ok' });
    }
    for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      await ok('-n', 'kube-system', 'wait', `pod/${c}-control-plane-2`, '--for=condition=Ready', WAIT);
    }
  });
});
