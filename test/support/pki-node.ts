/**
 * A node's rootfs for the certificate tests, its certificates and kubeconfigs written by bosun's phases, and the
 * outside tools they are checked against: openssl, and a real kubeadm when one was built.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import type { EncryptionAlgorithm } from '../../src/config/types.js';
import { runPhase, tempRoot, testConfig } from '../unit/pki/context.js';

const run = promisify(execFile);

/** openssl's stdout; with `input`, that is fed to its stdin and the (binary) output comes back as hex. */
export async function openssl(args: string[], input?: string): Promise<string> {
  if (input === undefined) return (await run('openssl', args)).stdout;
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, { encoding: 'buffer' }, (err, stdout) => (err ? reject(err) : resolve(stdout.toString('hex'))));
    child.stdin?.end(input);
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

/** A fresh node (removed when the test file ends) with extra apiserver SANs; `init()` runs the certs and kubeconfig phases. */
export async function pkiNode(algorithm: EncryptionAlgorithm) {
  const t = await tempRoot();
  cleanups.push(t.cleanup);
  const cfg = testConfig(algorithm, (c) => (c.cluster.apiServer.certSANs = ['api.example.com', '203.0.113.7']));
  const pki = (file: string) => path.join(t.root, 'etc/kubernetes/pki', file);
  const conf = (file: string) => path.join(t.root, 'etc/kubernetes', file);
  const init = async () => {
    await runPhase(cfg, t.host, 'certs');
    await runPhase(cfg, t.host, 'kubeconfig');
  };
  return { ...t, cfg, pki, conf, init };
}

/** A real kubeadm, when one was built: $KUBEADM, the sandbox cache, or the lead's wrapper build. */
export function findKubeadm(): string | undefined {
  const versions = path.join(process.env.BOSUN_CACHE || path.join(os.homedir(), '.cache', 'bosun'), 'bin', 'kubernetes');
  const cached = existsSync(versions)
    ? readdirSync(versions)
        .sort()
        .reverse()
        .map((v) => path.join(versions, v, 'kubeadm'))
    : [];
  return [process.env.KUBEADM, ...cached, '/tmp/wrap137/bin/kubeadm'].find((p): p is string => !!p && existsSync(p));
}

/**
 * The same node as testConfig(), as a kubeadm config file inside the rootfs (kubeadm chroots before reading it);
 * `kubeadmInit()` runs kubeadm's certs and kubeconfig phases on it and returns what kubeadm printed.
 */
export async function kubeadmNode(kubeadm: string) {
  const n = await pkiNode('ECDSA-P256');
  const version = (await run(kubeadm, ['version', '-o', 'short'])).stdout.trim();
  n.cfg.cluster.kubernetesVersion = version;
  await writeFile(
    path.join(n.root, 'kubeadm.yaml'),
    `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 192.0.2.10, bindPort: 6443}
nodeRegistration: {name: cp-1, criSocket: unix:///var/run/containerd/containerd.sock}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${version}
encryptionAlgorithm: ECDSA-P256
apiServer: {certSANs: [api.example.com, 203.0.113.7]}
`,
  );
  const kubeadmInit = async () => {
    const flags = ['--config', '/kubeadm.yaml', '--rootfs', n.root];
    const certs = await run(kubeadm, ['init', 'phase', 'certs', 'all', ...flags]);
    const kubeconfig = await run(kubeadm, ['init', 'phase', 'kubeconfig', 'all', ...flags]);
    return `${certs.stdout}${kubeconfig.stdout}`;
  };
  return { ...n, kubeadmInit };
}
