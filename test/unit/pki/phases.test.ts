import { X509Certificate as NodeX509, createHash } from 'node:crypto';
import { readFile, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { RecordingHost } from '../../../src/host/recording.js';
import { readKubeconfigTarget } from '../../../src/kubeconfig/kubeconfig.js';
import { caCertHash } from '../../../src/pki/ca-hash.js';
import { createLeafCertificate, encodeCertificate, parseCertificate } from '../../../src/pki/certificate.js';
import { parsePrivateKey } from '../../../src/pki/keys.js';
import { x509, type X509 } from '../../../src/pki/x509.js';
import { parseYaml } from '../../../src/util/yaml.js';
import { runPhase, tempRoot, testConfig } from './context.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function freshRoot() {
  const t = await tempRoot();
  cleanups.push(t.cleanup);
  const pki = (file: string) => path.join(t.root, 'etc/kubernetes/pki', file);
  const conf = (file: string) => path.join(t.root, 'etc/kubernetes', file);
  return { ...t, pki, conf };
}

async function cert(file: string) {
  const parsed = parseCertificate(await readFile(file));
  if (!parsed) throw new Error(`${file} is no certificate`);
  return parsed;
}

function sans(c: X509.X509Certificate): string[] {
  return (c.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? []).map((n) => `${n.type}:${n.value}`);
}

function ekus(c: X509.X509Certificate): string[] {
  return (c.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []).map(String);
}

const SERVER = x509.ExtendedKeyUsage.serverAuth;
const CLIENT = x509.ExtendedKeyUsage.clientAuth;

/** What kubeadm makes, per file: subject, issuer, extended usages, names. */
const EXPECTED: Record<string, { subject: string; issuer: string; ekus: string[]; sans?: string[] }> = {
  'ca.crt': { subject: 'CN=kubernetes', issuer: 'CN=kubernetes', ekus: [], sans: ['dns:kubernetes'] },
  'apiserver.crt': {
    subject: 'CN=kube-apiserver',
    issuer: 'CN=kubernetes',
    ekus: [SERVER],
    sans: [
      'dns:cp-1', 'dns:kubernetes', 'dns:kubernetes.default', 'dns:kubernetes.default.svc',
      'dns:kubernetes.default.svc.cluster.local', 'ip:10.96.0.1', 'ip:192.0.2.10',
    ],
  },
  'apiserver-kubelet-client.crt': { subject: 'CN=kube-apiserver-kubelet-client', issuer: 'CN=kubernetes', ekus: [CLIENT] },
  'front-proxy-ca.crt': { subject: 'CN=front-proxy-ca', issuer: 'CN=front-proxy-ca', ekus: [], sans: ['dns:front-proxy-ca'] },
  'front-proxy-client.crt': { subject: 'CN=front-proxy-client', issuer: 'CN=front-proxy-ca', ekus: [CLIENT] },
  'etcd/ca.crt': { subject: 'CN=etcd-ca', issuer: 'CN=etcd-ca', ekus: [], sans: ['dns:etcd-ca'] },
  'etcd/server.crt': {
    subject: 'CN=cp-1',
    issuer: 'CN=etcd-ca',
    ekus: [SERVER, CLIENT],
    sans: ['dns:cp-1', 'dns:localhost', 'ip:192.0.2.10', 'ip:127.0.0.1', 'ip:::1'],
  },
  'etcd/peer.crt': {
    subject: 'CN=cp-1',
    issuer: 'CN=etcd-ca',
    ekus: [SERVER, CLIENT],
    sans: ['dns:cp-1', 'dns:localhost', 'ip:192.0.2.10', 'ip:127.0.0.1', 'ip:::1'],
  },
  'etcd/healthcheck-client.crt': { subject: 'CN=kube-etcd-healthcheck-client', issuer: 'CN=etcd-ca', ekus: [CLIENT] },
  'apiserver-etcd-client.crt': { subject: 'CN=kube-apiserver-etcd-client', issuer: 'CN=etcd-ca', ekus: [CLIENT] },
};

const CA_FILES: Record<string, string> = { 'CN=kubernetes': 'ca.crt', 'CN=front-proxy-ca': 'front-proxy-ca.crt', 'CN=etcd-ca': 'etcd/ca.crt' };

const KUBECONFIGS = ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'controller-manager.conf', 'scheduler.conf'];

describe('a fresh node', () => {
  test('certs all writes kubeadm’s certificates, keys and modes, logging like kubeadm', async () => {
    const { host, pki } = await freshRoot();
    const lines = await runPhase(testConfig(), host, 'certs');
    expect(lines).toEqual([
      '[certs] Using certificateDir folder "/etc/kubernetes/pki"',
      '[certs] Generating "ca" certificate and key',
      '[certs] Generating "apiserver" certificate and key',
      '[certs] apiserver serving cert is signed for DNS names [cp-1 kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local] and IPs [10.96.0.1 192.0.2.10]',
      '[certs] Generating "apiserver-kubelet-client" certificate and key',
      '[certs] Generating "front-proxy-ca" certificate and key',
      '[certs] Generating "front-proxy-client" certificate and key',
      '[certs] Generating "etcd/ca" certificate and key',
      '[certs] Generating "etcd/server" certificate and key',
      '[certs] etcd/server serving cert is signed for DNS names [cp-1 localhost] and IPs [192.0.2.10 127.0.0.1 ::1]',
      '[certs] Generating "etcd/peer" certificate and key',
      '[certs] etcd/peer serving cert is signed for DNS names [cp-1 localhost] and IPs [192.0.2.10 127.0.0.1 ::1]',
      '[certs] Generating "etcd/healthcheck-client" certificate and key',
      '[certs] Generating "apiserver-etcd-client" certificate and key',
      '[certs] Generating "sa" key and public key',
    ]);

    const started = Date.now();
    for (const [file, want] of Object.entries(EXPECTED)) {
      const c = await cert(pki(file));
      const isCA = want.subject === want.issuer;
      expect({ file, subject: c.subject, issuer: c.issuer, ekus: ekus(c), sans: sans(c) }).toEqual({ file, ...want, sans: want.sans ?? [] });
      const issuer = await cert(pki(CA_FILES[want.issuer]));
      expect(await c.verify({ publicKey: issuer.publicKey, signatureOnly: true })).toBe(true);
      expect(c.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(isCA);
      const usage = c.getExtension(x509.KeyUsagesExtension)!;
      expect(usage.critical).toBe(true);
      expect(usage.usages).toBe(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | (isCA ? x509.KeyUsageFlags.keyCertSign : 0),
      );
      // Backdated 5 minutes; leaves live 8760h, CAs 87600h (kubeadm defaults).
      expect(started - c.notBefore.getTime()).toBeGreaterThanOrEqual(5 * 60_000 - 1000);
      const lifetime = c.notAfter.getTime() - c.notBefore.getTime() - 5 * 60_000;
      expect(Math.round(lifetime / 3_600_000)).toBe(isCA ? 87600 : 8760);
      expect((await stat(pki(file))).mode & 0o777).toBe(0o644);
      expect((await stat(pki(file.replace(/\.crt$/, '.key')))).mode & 0o777).toBe(0o600);
      expect(await readFile(pki(file.replace(/\.crt$/, '.key')), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    }
    expect(await readFile(pki('sa.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect((await stat(pki('sa.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(pki('sa.pub'))).mode & 0o777).toBe(0o600);
  });

  test('RSA-2048 keys are PKCS#1 "RSA PRIVATE KEY" PEM, certificates signed with SHA-256', async () => {
    const { host, pki } = await freshRoot();
    await runPhase(testConfig('RSA-2048'), host, 'certs/ca');
    await runPhase(testConfig('RSA-2048'), host, 'certs/sa');
    expect(await readFile(pki('ca.key'), 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(await readFile(pki('sa.key'), 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    const ca = new NodeX509(await readFile(pki('ca.crt')));
    expect(ca.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect((await cert(pki('ca.crt'))).signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
  });

  test('kubeconfig all writes the five kubeconfigs with kubeadm’s identities and servers', async () => {
    const cfg = testConfig('ECDSA-P256', (c) => (c.cluster.controlPlaneEndpoint = 'cp.example.com:7443'));
    const { host, pki, conf } = await freshRoot();
    await runPhase(cfg, host, 'certs/ca');
    const lines = await runPhase(cfg, host, 'kubeconfig');
    expect(lines).toEqual([
      '[kubeconfig] Using kubeconfig folder "/etc/kubernetes"',
      ...KUBECONFIGS.map((f) => `[kubeconfig] Writing "${f}" kubeconfig file`),
    ]);
    const ca = await cert(pki('ca.crt'));
    const want: Record<string, [string, string]> = {
      'admin.conf': ['O=kubeadm:cluster-admins, CN=kubernetes-admin', 'https://cp.example.com:7443'],
      'super-admin.conf': ['O=system:masters, CN=kubernetes-super-admin', 'https://cp.example.com:7443'],
      // kubeadm's init node kubelet talks to its own API server, not the endpoint (kubeadm 1.36.3 and 1.37.1).
      'kubelet.conf': ['O=system:nodes, CN=system:node:cp-1', 'https://192.0.2.10:6443'],
      'controller-manager.conf': ['CN=system:kube-controller-manager', 'https://192.0.2.10:6443'],
      'scheduler.conf': ['CN=system:kube-scheduler', 'https://192.0.2.10:6443'],
    };
    for (const [file, [subject, server]] of Object.entries(want)) {
      const text = await readFile(conf(file), 'utf8');
      expect((await stat(conf(file))).mode & 0o777).toBe(0o600);
      const target = readKubeconfigTarget(text);
      expect(target.server).toBe(server);
      expect(parseCertificate(target.caCertPem!)!.equal(ca)).toBe(true);
      const client = parseCertificate(target.clientCertPem!)!;
      expect(client.subject).toBe(subject);
      expect(ekus(client)).toEqual([CLIENT]);
      expect(await client.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
      const user = client.subjectName.getField('CN')[0];
      const doc = parseYaml(text) as { contexts: { name: string; context: { user: string; cluster: string } }[]; 'current-context': string };
      expect(doc['current-context']).toBe(`${user}@kubernetes`);
      expect(doc.contexts).toEqual([{ name: `${user}@kubernetes`, context: { cluster: 'kubernetes', user } }]);
      expect(target.clientKeyPem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    }
  });

  test('a dry run records every write and changes nothing on disk', async () => {
    const { host, root } = await freshRoot();
    const recording = new RecordingHost(host);
    await runPhase(testConfig(), recording, 'certs');
    await runPhase(testConfig(), recording, 'kubeconfig/admin');
    const writes = recording.actions.filter((a) => a.kind === 'write').map((a) => `${a.target} ${a.mode?.toString(8)}`);
    expect(writes).toContain('/etc/kubernetes/pki/ca.key 600');
    expect(writes).toContain('/etc/kubernetes/pki/apiserver.crt 644');
    expect(writes).toContain('/etc/kubernetes/admin.conf 600');
    expect(writes).toHaveLength(23);
    await expect(stat(path.join(root, 'etc'))).rejects.toThrow(/ENOENT/);
  });

  test('external etcd: no etcd CA, etcd certificates or apiserver-etcd-client', async () => {
    const cfg = testConfig('ECDSA-P256', (c) => (c.cluster.etcd = { external: { endpoints: ['https://10.0.0.9:2379'] } }));
    const { host, pki } = await freshRoot();
    const lines = await runPhase(cfg, host, 'certs');
    expect(lines).toContain('[certs] External etcd mode: Skipping etcd/ca certificate authority generation');
    expect(lines).toContain('[certs] External etcd mode: Skipping apiserver-etcd-client certificate generation');
    await expect(stat(pki('etcd'))).rejects.toThrow(/ENOENT/);
    await expect(stat(pki('apiserver-etcd-client.crt'))).rejects.toThrow(/ENOENT/);
    await stat(pki('front-proxy-client.crt'));
  });

  test('validity periods come from the configuration', async () => {
    const cfg = testConfig('ECDSA-P256', (c) => {
      c.cluster.certificateValidityPeriod = '48h0m0s';
      c.cluster.caCertificateValidityPeriod = '720h';
    });
    const { host, pki } = await freshRoot();
    await runPhase(cfg, host, 'certs/ca');
    await runPhase(cfg, host, 'certs/apiserver');
    const hours = async (file: string) => {
      const c = await cert(pki(file));
      return Math.round((c.notAfter.getTime() - c.notBefore.getTime() - 5 * 60_000) / 3_600_000);
    };
    expect(await hours('ca.crt')).toBe(720);
    expect(await hours('apiserver.crt')).toBe(48);
  });

  test('caCertHash is sha256 of the CA’s SubjectPublicKeyInfo', async () => {
    const { host, pki } = await freshRoot();
    await runPhase(testConfig(), host, 'certs/ca');
    const pem = await readFile(pki('ca.crt'));
    const spki = new NodeX509(pem).publicKey.export({ type: 'spki', format: 'der' });
    expect(caCertHash((await cert(pki('ca.crt'))))).toBe(`sha256:${createHash('sha256').update(spki).digest('hex')}`);
  });
});

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
    const old = await createLeafCertificate(
      { subject: { commonName: 'kube-apiserver-kubelet-client' }, usages: ['client'] },
      key,
      ca,
      { now: new Date(Date.now() - 3 * 86_400_000), lifetimeMs: 86_400_000 },
    );
    await writeFile(pki('apiserver-kubelet-client.crt'), encodeCertificate(old));
    const lines = await runPhase(testConfig(), host, 'certs/apiserver-kubelet-client');
    expect(lines[0]).toMatch(/^\[certs\] WARNING: could not validate bounds for certificate apiserver-kubelet-client: the certificate has expired: NotBefore: .*, NotAfter: /);
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
});
