import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { RecordingHost } from '../../src/host/recording.js';
import { readKubeconfigTarget } from '../../src/kubeconfig/kubeconfig.js';
import { caCertHash } from '../../src/pki/ca-hash.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { findKubeadm, kubeadmNode, openssl, pkiNode } from '../support/pki-node.js';
import { runPhase } from '../unit/pki/context.js';

/** Leaf -> its CA file and the openssl purpose it must pass. */
const CHAINS: [string, string, string][] = [
  ['apiserver.crt', 'ca.crt', 'sslserver'],
  ['apiserver-kubelet-client.crt', 'ca.crt', 'sslclient'],
  ['front-proxy-client.crt', 'front-proxy-ca.crt', 'sslclient'],
  ['etcd/server.crt', 'etcd/ca.crt', 'sslserver'],
  ['etcd/server.crt', 'etcd/ca.crt', 'sslclient'],
  ['etcd/peer.crt', 'etcd/ca.crt', 'sslserver'],
  ['etcd/peer.crt', 'etcd/ca.crt', 'sslclient'],
  ['etcd/healthcheck-client.crt', 'etcd/ca.crt', 'sslclient'],
  ['apiserver-etcd-client.crt', 'etcd/ca.crt', 'sslclient'],
];

const KUBECONFIGS = ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf'];

describe.each(['RSA-2048', 'ECDSA-P256'] as const)('%s', (algorithm) => {
  const made = pkiNode(algorithm).then(async (n) => {
    await n.init();
    return n;
  });

  test('openssl verifies every leaf against its CA for its purpose', async () => {
    const { pki } = await made;
    for (const [leaf, ca, purpose] of CHAINS) {
      const out = await openssl(['verify', '-purpose', purpose, '-CAfile', pki(ca), pki(leaf)]);
      expect(out.trim()).toBe(`${pki(leaf)}: OK`);
    }
  });

  test('openssl reads each key as the private half of its certificate', async () => {
    const { pki } = await made;
    const pairs = [...new Set(CHAINS.flatMap(([leaf, ca]) => [leaf, ca]))];
    for (const crt of pairs) {
      const fromCert = await openssl(['x509', '-noout', '-pubkey', '-in', pki(crt)]);
      const fromKey = await openssl(['pkey', '-pubout', '-in', pki(crt.replace(/\.crt$/, '.key'))]);
      expect(fromKey).toBe(fromCert);
      const header = (await readFile(pki(crt.replace(/\.crt$/, '.key')), 'utf8')).split('\n')[0];
      expect(header).toBe(algorithm === 'RSA-2048' ? '-----BEGIN RSA PRIVATE KEY-----' : '-----BEGIN EC PRIVATE KEY-----');
    }
    expect(await openssl(['pkey', '-pubout', '-in', pki('sa.key')])).toBe(await readFile(pki('sa.pub'), 'utf8'));
  });

  test('openssl x509 -text shows the SANs, usages and key type', async () => {
    const { pki } = await made;
    const text = await openssl(['x509', '-noout', '-text', '-in', pki('apiserver.crt')]);
    expect(text).toContain(
      'DNS:api.example.com, DNS:cp-1, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP Address:10.96.0.1, IP Address:192.0.2.10, IP Address:203.0.113.7',
    );
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage: \s*TLS Web Server Authentication\n/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain(algorithm === 'RSA-2048' ? 'Public-Key: (2048 bit)' : 'NIST CURVE: P-256');
    expect(text).toContain(algorithm === 'RSA-2048' ? 'sha256WithRSAEncryption' : 'ecdsa-with-SHA256');

    const etcd = await openssl(['x509', '-noout', '-text', '-in', pki('etcd/peer.crt')]);
    expect(etcd).toContain('DNS:cp-1, DNS:localhost, IP Address:192.0.2.10, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(etcd).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);

    const ca = await openssl(['x509', '-noout', '-text', '-in', pki('etcd/ca.crt')]);
    expect(ca).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Certificate Sign\n/);
    expect(ca).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(ca).toContain('DNS:etcd-ca');
    expect(ca).toContain('Subject: CN = etcd-ca');
  });

  test('openssl verifies the kubeconfig client certificates against the cluster CA', async () => {
    const { pki, conf, root } = await made;
    for (const file of KUBECONFIGS) {
      const target = readKubeconfigTarget(await readFile(conf(file), 'utf8'));
      const client = path.join(root, `${file}.crt`);
      await writeFile(client, target.clientCertPem!);
      expect((await openssl(['verify', '-purpose', 'sslclient', '-CAfile', pki('ca.crt'), client])).trim()).toBe(`${client}: OK`);
      const subject = (await openssl(['x509', '-noout', '-subject', '-in', client])).trim();
      expect(subject).toMatch(/^subject=(O = [^,]+, )?CN = /);
    }
  });

  test('keys, sa.pub and kubeconfigs are 0600, certificates 0644 (as kubeadm 1.37 writes them)', async () => {
    const { pki, conf } = await made;
    for (const [leaf, ca] of CHAINS) {
      for (const crt of [leaf, ca]) {
        expect((await stat(pki(crt))).mode & 0o777).toBe(0o644);
        expect((await stat(pki(crt.replace(/\.crt$/, '.key')))).mode & 0o777).toBe(0o600);
      }
    }
    expect((await stat(pki('sa.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(pki('sa.pub'))).mode & 0o777).toBe(0o600);
    for (const file of KUBECONFIGS) expect((await stat(conf(file))).mode & 0o777).toBe(0o600);
  });

  test('the CA hash is the one openssl computes from the CA public key', async () => {
    const { pki } = await made;
    const pubPem = await openssl(['x509', '-pubkey', '-noout', '-in', pki('ca.crt')]);
    const der = await openssl(['pkey', '-pubin', '-outform', 'der'], pubPem);
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update(Buffer.from(der, 'hex')).digest('hex');
    expect(caCertHash(await readFile(pki('ca.crt')))).toBe(`sha256:${expected}`);
    expect(caCertHash(parseCertificate(await readFile(pki('ca.crt')))!)).toBe(`sha256:${expected}`);
  });

  test('a second run writes nothing: every mtime is unchanged', async () => {
    const { pki, conf, init } = await made;
    const files = [
      ...CHAINS.flatMap(([l, c]) => [l, c]).flatMap((f) => [pki(f), pki(f.replace(/\.crt$/, '.key'))]),
      pki('sa.key'),
      pki('sa.pub'),
      ...KUBECONFIGS.map(conf),
    ];
    const before = await Promise.all(files.map(async (f) => (await stat(f)).mtimeMs));
    await init();
    expect(await Promise.all(files.map(async (f) => (await stat(f)).mtimeMs))).toEqual(before);
  });
});

test('a leaf signed by another CA is refused, naming the file', async () => {
  const ours = await pkiNode('ECDSA-P256');
  const theirs = await pkiNode('ECDSA-P256');
  await ours.init();
  await theirs.init();
  await copyFile(theirs.pki('etcd/server.crt'), ours.pki('etcd/server.crt'));
  await copyFile(theirs.pki('etcd/server.key'), ours.pki('etcd/server.key'));
  await expect(ours.init()).rejects.toThrow(/\/etc\/kubernetes\/pki\/etcd\/server\.crt: is not signed by the CA "CN=etcd-ca"/);
});

test('a CA made by openssl is used to sign the leaves openssl then verifies', async () => {
  const n = await pkiNode('RSA-2048');
  await mkdir(n.pki(''), { recursive: true });
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    n.pki('ca.key'),
    '-out',
    n.pki('ca.crt'),
    '-subj',
    '/CN=corporate-root',
    '-days',
    '30',
    '-addext',
    'keyUsage=critical,keyCertSign,digitalSignature',
  ]);
  const lines = await runPhase(n.cfg, n.host, 'certs');
  expect(lines).toContain('[certs] Using existing ca certificate authority');
  expect((await openssl(['verify', '-CAfile', n.pki('ca.crt'), n.pki('apiserver.crt')])).trim()).toBe(`${n.pki('apiserver.crt')}: OK`);
  expect(await openssl(['x509', '-noout', '-issuer', '-in', n.pki('apiserver-kubelet-client.crt')])).toContain('CN = corporate-root');
});

test('a leaf signed by an intermediate CA, the intermediate in the same .crt, is accepted', async () => {
  const n = await pkiNode('ECDSA-P256');
  await runPhase(n.cfg, n.host, 'certs/ca');
  const work = (file: string) => path.join(n.root, file);
  const ext = async (name: string, text: string) => {
    await writeFile(work(name), text);
    return work(name);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(['req', '-new', ...ec, '-keyout', work('int.key'), '-subj', '/CN=intermediate', '-out', work('int.csr')]);
  await openssl([
    'x509',
    '-req',
    '-in',
    work('int.csr'),
    '-CA',
    n.pki('ca.crt'),
    '-CAkey',
    n.pki('ca.key'),
    '-days',
    '30',
    '-out',
    work('int.crt'),
    '-extfile',
    await ext('int.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,digitalSignature\n'),
  ]);
  await openssl(['req', '-new', ...ec, '-keyout', n.pki('apiserver.key'), '-subj', '/CN=kube-apiserver', '-out', work('leaf.csr')]);
  const sans =
    'DNS:cp-1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:api.example.com,IP:10.96.0.1,IP:192.0.2.10,IP:203.0.113.7';
  await openssl([
    'x509',
    '-req',
    '-in',
    work('leaf.csr'),
    '-CA',
    work('int.crt'),
    '-CAkey',
    work('int.key'),
    '-days',
    '30',
    '-out',
    work('leaf.crt'),
    '-extfile',
    await ext('leaf.ext', `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`),
  ]);
  await writeFile(n.pki('apiserver.crt'), (await readFile(work('leaf.crt'), 'utf8')) + (await readFile(work('int.crt'), 'utf8')));
  const lines = await runPhase(n.cfg, n.host, 'certs/apiserver');
  expect(lines).toEqual(['[certs] Using existing apiserver certificate and key on disk']);
});

test('external CA mode: ca.crt without ca.key, every signed file present, runs and writes nothing', async () => {
  const n = await pkiNode('ECDSA-P256');
  await n.init();
  await rm(n.pki('ca.key'));
  const before = (await stat(n.conf('admin.conf'))).mtimeMs;
  const lines = await runPhase(n.cfg, n.host, 'certs');
  expect(lines).toContain('[certs] Using existing ca keyless certificate authority');
  await runPhase(n.cfg, n.host, 'kubeconfig');
  expect((await stat(n.conf('admin.conf'))).mtimeMs).toBe(before);
  await rm(n.pki('apiserver-kubelet-client.crt'));
  await expect(runPhase(n.cfg, n.host, 'certs')).rejects.toThrow(/apiserver-kubelet-client\.crt is missing and .*\/ca\.key is not there to sign it/);
});

const kubeadm = findKubeadm();

describe.skipIf(!kubeadm)('interchangeable with kubeadm', () => {
  test('kubeadm keeps everything bosun wrote', async () => {
    const n = await kubeadmNode(kubeadm!);
    await n.init();
    const files = [n.pki('ca.crt'), n.pki('apiserver.crt'), n.pki('etcd/peer.key'), n.pki('sa.pub'), n.conf('admin.conf'), n.conf('kubelet.conf')];
    const before = await Promise.all(files.map(async (f) => (await stat(f)).mtimeMs));
    const out = await n.kubeadmInit();
    expect(out).toContain('[certs] Using existing ca certificate authority');
    expect(out).toContain('[certs] Using existing apiserver certificate and key on disk');
    expect(out).toContain('[certs] Using existing etcd/peer certificate and key on disk');
    expect(out).toContain('[kubeconfig] Using existing kubeconfig file: "/etc/kubernetes/admin.conf"');
    expect(out).not.toMatch(/Generating|Writing/);
    expect(await Promise.all(files.map(async (f) => (await stat(f)).mtimeMs))).toEqual(before);
  });

  test('bosun keeps everything kubeadm wrote, writing nothing', async () => {
    const n = await kubeadmNode(kubeadm!);
    await n.kubeadmInit();
    const recording = new RecordingHost(n.host);
    const lines = [...(await runPhase(n.cfg, recording, 'certs')), ...(await runPhase(n.cfg, recording, 'kubeconfig'))];
    expect(recording.actions).toEqual([]);
    expect(lines.filter((l) => /Generating|Writing|WARNING/.test(l))).toEqual([]);
    expect(lines).toContain('[kubeconfig] Using existing kubeconfig file: "/etc/kubernetes/scheduler.conf"');
  });
});
