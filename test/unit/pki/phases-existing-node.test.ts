import { X509Certificate as NodeX509 } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { RecordingHost } from '../../../src/host/recording.js';
import { createCaCertificate, createLeafCertificate, encodeCertificate } from '../../../src/pki/certificate.js';
import { parsePrivateKey } from '../../../src/pki/keys.js';
import { cert, freshRoot, runPhase, testConfig } from './context.js';

describe('an existing node', () => {
  async function initialised(cfg = testConfig()) {
    const r = await freshRoot();
    await runPhase(cfg, r.host, 'certs');
    await runPhase(cfg, r.host, 'kubeconfig');
    return r;
  }

  test('a second run keeps every file and writes nothing', async () => {
    const { host } = await initialised();
    const recording = new RecordingHost(host);
    const lines = [...(await runPhase(testConfig(), recording, 'certs')), ...(await runPhase(testConfig(), recording, 'kubeconfig'))];
    expect(recording.actions).toEqual([]);
    expect(lines).toContain('[certs] Using existing ca certificate authority');
    expect(lines).toContain('[certs] Using existing apiserver certificate and key on disk');
    expect(lines).toContain('[certs] Using existing etcd/ca certificate authority');
    expect(lines).toContain('[certs] Using the existing "sa" key');
    expect(lines).toContain('[kubeconfig] Using existing kubeconfig file: "/etc/kubernetes/admin.conf"');
  });

  test('an existing CA signs the leaves that are missing; present leaves are kept', async () => {
    const { host, pki } = await initialised();
    const caBefore = await readFile(pki('ca.crt'));
    const clientBefore = await readFile(pki('apiserver-kubelet-client.crt'));
    await rm(pki('apiserver.crt'));
    await rm(pki('apiserver.key'));
    await runPhase(testConfig(), host, 'certs');
    expect(await readFile(pki('ca.crt'))).toEqual(caBefore);
    expect(await readFile(pki('apiserver-kubelet-client.crt'))).toEqual(clientBefore);
    const ca = await cert(pki('ca.crt'));
    expect(await (await cert(pki('apiserver.crt'))).verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
  });

  test('a key left without its certificate is kept and certified', async () => {
    const { host, pki } = await initialised();
    const key = await readFile(pki('front-proxy-client.key'));
    await rm(pki('front-proxy-client.crt'));
    await runPhase(testConfig(), host, 'certs/front-proxy-client');
    expect(await readFile(pki('front-proxy-client.key'))).toEqual(key);
    const c = new NodeX509(await readFile(pki('front-proxy-client.crt')));
    expect(c.checkPrivateKey((await import('node:crypto')).createPrivateKey(key))).toBe(true);
  });

  test('an expired certificate is kept with a warning, as kubeadm does', async () => {
    const { host, pki } = await initialised();
    const ca = { cert: await cert(pki('ca.crt')), key: parsePrivateKey(await readFile(pki('ca.key')))! };
    const key = parsePrivateKey(await readFile(pki('apiserver-kubelet-client.key')))!;
    const old = await createLeafCertificate({ subject: { commonName: 'kube-apiserver-kubelet-client' }, usages: ['client'] }, key, ca, {
      now: new Date(Date.now() - 3 * 86_400_000),
      lifetimeMs: 86_400_000,
    });
    await writeFile(pki('apiserver-kubelet-client.crt'), encodeCertificate(old));
    const lines = await runPhase(testConfig(), host, 'certs/apiserver-kubelet-client');
    expect(lines[0]).toMatch(
      /^\[certs\] WARNING: could not validate bounds for certificate apiserver-kubelet-client: the certificate has expired: NotBefore: .*, NotAfter: /,
    );
    expect(lines[1]).toBe('[certs] Using existing apiserver-kubelet-client certificate and key on disk');
  });

  test('a leaf signed by another CA is refused, naming the file', async () => {
    const { host, pki } = await initialised();
    const other = await initialised();
    await copyFile(other.pki('front-proxy-client.crt'), pki('front-proxy-client.crt'));
    await copyFile(other.pki('front-proxy-client.key'), pki('front-proxy-client.key'));
    await expect(runPhase(testConfig(), host, 'certs')).rejects.toThrow(
      /\/etc\/kubernetes\/pki\/front-proxy-client\.crt: is not signed by the CA "CN=front-proxy-ca"/,
    );
  });

  test('a serving certificate missing a name the configuration needs is refused, naming the names', async () => {
    const { host } = await initialised();
    const cfg = testConfig('ECDSA-P256', (c) => (c.cluster.apiServer.certSANs = ['api.example.com', '203.0.113.7']));
    await expect(runPhase(cfg, host, 'certs/apiserver')).rejects.toThrow(
      /apiserver\.crt: lacks the subject alternative names DNS:api\.example\.com, IP:203\.0\.113\.7/,
    );
  });

  test('a key that does not match its certificate is refused', async () => {
    const { host, pki } = await initialised();
    await copyFile(pki('apiserver-etcd-client.key'), pki('apiserver.key'));
    await expect(runPhase(testConfig(), host, 'certs/apiserver')).rejects.toThrow(/apiserver\.crt: does not match its private key/);
  });

  test('a key that does not match its certificate is named beside it: either file may be the broken one', async () => {
    const { host, pki } = await initialised();
    await copyFile(pki('apiserver-etcd-client.key'), pki('front-proxy-client.key'));
    await expect(runPhase(testConfig(), host, 'certs/front-proxy-client')).rejects.toThrow(
      /front-proxy-client\.crt: does not match its private key \(\S*\/pki\/front-proxy-client\.key\)$/,
    );
  });

  test('a certificate without its key, or garbage in a file, is refused', async () => {
    const { host, pki } = await initialised();
    await rm(pki('etcd/peer.key'));
    await expect(runPhase(testConfig(), host, 'certs/etcd-peer')).rejects.toThrow(/etcd\/peer\.crt exists but its key .*etcd\/peer\.key is missing/);
    await writeFile(pki('etcd/server.crt'), 'hello');
    await expect(runPhase(testConfig(), host, 'certs/etcd-server')).rejects.toThrow(/etcd\/server\.crt is not a PEM certificate/);
    await writeFile(pki('sa.pub'), (await readFile(pki('ca.crt'))).toString().replace(/CERTIFICATE/g, 'PUBLIC KEY'));
    await expect(runPhase(testConfig(), host, 'certs/sa')).rejects.toThrow(/sa\.pub/);
  });

  test('sa.pub that does not match sa.key is refused; a missing sa.pub is derived from sa.key', async () => {
    const { host, pki } = await initialised();
    const pub = await readFile(pki('sa.pub'));
    await rm(pki('sa.pub'));
    await runPhase(testConfig(), host, 'certs/sa');
    expect(await readFile(pki('sa.pub'))).toEqual(pub);
    const other = await initialised();
    await copyFile(other.pki('sa.pub'), pki('sa.pub'));
    await expect(runPhase(testConfig(), host, 'certs/sa')).rejects.toThrow(/sa\.pub does not match the private key/);
  });

  test('external CA: ca.crt without ca.key and every other file present works and writes nothing', async () => {
    const { host, pki } = await initialised();
    await rm(pki('ca.key'));
    const recording = new RecordingHost(host);
    const lines = [...(await runPhase(testConfig(), recording, 'certs')), ...(await runPhase(testConfig(), recording, 'kubeconfig'))];
    expect(lines).toContain('[certs] Using existing ca keyless certificate authority');
    expect(recording.actions).toEqual([]);
  });

  test('external CA: a missing certificate or kubeconfig it must sign is an error naming it', async () => {
    const { host, pki, conf } = await initialised();
    await rm(pki('ca.key'));
    await rm(pki('apiserver.crt'));
    await rm(pki('apiserver.key'));
    await expect(runPhase(testConfig(), host, 'certs')).rejects.toThrow(/apiserver\.crt is missing and .*ca\.key is not there to sign it/);
    await rm(conf('scheduler.conf'));
    await expect(runPhase(testConfig(), host, 'kubeconfig')).rejects.toThrow(/scheduler\.conf is missing and .*ca\.key is not there/);
  });

  test('a kubeconfig with another CA is refused; another server is warned about and kept, as kubeadm does', async () => {
    const { host, conf } = await initialised();
    const other = await initialised();
    await copyFile(other.conf('admin.conf'), conf('admin.conf'));
    await expect(runPhase(testConfig(), host, 'kubeconfig/admin')).rejects.toThrow(
      /kubeconfig file \/etc\/kubernetes\/admin\.conf exists already but its certificate-authority-data is not the cluster CA/,
    );
    const moved = testConfig('ECDSA-P256', (c) => (c.init.localAPIEndpoint.advertiseAddress = '192.0.2.99'));
    const recording = new RecordingHost(host);
    const lines = await runPhase(moved, recording, 'kubeconfig/scheduler');
    expect(lines).toContain(
      '[kubeconfig] WARNING: kubeconfig file /etc/kubernetes/scheduler.conf exists already but has an unexpected API Server URL: expected: https://192.0.2.99:6443, got: https://192.0.2.10:6443',
    );
    await runPhase(testConfig(), recording, 'kubeconfig/kubelet');
    expect(recording.actions).toEqual([]);
  });

  test('a kubeconfig naming its CA by file is checked against that file', async () => {
    const { host, conf } = await initialised();
    const text = (await readFile(conf('controller-manager.conf'), 'utf8')).replace(
      /certificate-authority-data: .*/,
      'certificate-authority: /etc/kubernetes/pki/ca.crt',
    );
    await writeFile(conf('controller-manager.conf'), text);
    await runPhase(testConfig(), host, 'kubeconfig/controller-manager');
    await writeFile(conf('controller-manager.conf'), text.replace('pki/ca.crt', 'pki/front-proxy-ca.crt'));
    await expect(runPhase(testConfig(), host, 'kubeconfig/controller-manager')).rejects.toThrow(/not the cluster CA in .*pki\/ca\.crt/);
  });

  test('a leaf phase alone reuses the CA on disk; without a CA it says which phase to run', async () => {
    const { host, pki } = await freshRoot();
    await expect(runPhase(testConfig(), host, 'certs/apiserver')).rejects.toThrow(
      /ca\.crt is missing: create the "ca" certificate authority first \(bosun init phase certs ca\)/,
    );
    await expect(stat(pki('apiserver.key'))).rejects.toThrow(/ENOENT/);
    await runPhase(testConfig(), host, 'certs/ca');
    await runPhase(testConfig(), host, 'certs/apiserver');
    await stat(pki('apiserver.crt'));
  });

  test('a leaf that outlives its CA is warned about, when signed and when reused', async () => {
    const cfg = testConfig('ECDSA-P256', (c) => (c.cluster.caCertificateValidityPeriod = '24h0m0s'));
    const { host } = await freshRoot();
    await runPhase(cfg, host, 'certs/ca');
    const outlives =
      /^\[certs\] WARNING: certificate apiserver-kubelet-client: the certificate outlives its CA "CN=kubernetes": NotAfter: .*, the CA's NotAfter: /;
    const signed = await runPhase(cfg, host, 'certs/apiserver-kubelet-client');
    expect(signed[0]).toBe('[certs] Generating "apiserver-kubelet-client" certificate and key');
    expect(signed[1]).toMatch(outlives);
    const reused = await runPhase(cfg, host, 'certs/apiserver-kubelet-client');
    expect(reused[0]).toMatch(outlives);
    expect(reused[1]).toBe('[certs] Using existing apiserver-kubelet-client certificate and key on disk');
  });

  test('signing with an expired CA is warned about before the certificate is made', async () => {
    const { host, pki } = await initialised();
    const key = parsePrivateKey(await readFile(pki('front-proxy-ca.key')))!;
    const expired = await createCaCertificate('front-proxy-ca', key, { now: new Date(Date.now() - 3 * 86_400_000), lifetimeMs: 86_400_000 });
    await writeFile(pki('front-proxy-ca.crt'), encodeCertificate(expired));
    await rm(pki('front-proxy-client.crt'));
    const lines = await runPhase(testConfig(), host, 'certs/front-proxy-client');
    expect(lines[0]).toMatch(/^\[certs\] WARNING: could not validate bounds for certificate front-proxy-ca: the certificate has expired: NotBefore: /);
    expect(lines[1]).toBe('[certs] Generating "front-proxy-client" certificate and key');
    expect(lines[2]).toMatch(/^\[certs\] WARNING: certificate front-proxy-client: the certificate outlives its CA "CN=front-proxy-ca"/);
  });
});

describe('a node whose files do not fit', () => {
  test('certs all refuses before it writes anything: nothing is left half-done', async () => {
    const { host, pki } = await freshRoot();
    await mkdir(path.dirname(pki('front-proxy-client.crt')), { recursive: true });
    await writeFile(pki('front-proxy-client.crt'), 'not a certificate');
    await expect(runPhase(testConfig(), host, 'certs')).rejects.toThrow('front-proxy-client.crt is not a PEM certificate');
    expect((await readdir(path.dirname(pki('ca.crt')))).sort()).toEqual(['front-proxy-client.crt']);
  });

  test('a leaf whose CA is not on disk is refused before the CA is made', async () => {
    const { host, pki } = await freshRoot();
    const other = await freshRoot();
    await runPhase(testConfig(), other.host, 'certs/front-proxy-ca');
    await runPhase(testConfig(), other.host, 'certs/front-proxy-client');
    await mkdir(path.dirname(pki('ca.crt')), { recursive: true });
    await copyFile(other.pki('front-proxy-client.crt'), pki('front-proxy-client.crt'));
    await copyFile(other.pki('front-proxy-client.key'), pki('front-proxy-client.key'));
    await expect(runPhase(testConfig(), host, 'certs')).rejects.toThrow('front-proxy-client.crt exists but not the CA that signed it');
    expect((await readdir(path.dirname(pki('ca.crt')))).sort()).toEqual(['front-proxy-client.crt', 'front-proxy-client.key']);
  });
});
