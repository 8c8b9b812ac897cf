import { X509Certificate as NodeX509, createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { RecordingHost } from '../../../src/host/recording.js';
import { readKubeconfigTarget } from '../../../src/kubeconfig/kubeconfig.js';
import { caCertHash } from '../../../src/pki/ca-hash.js';
import { parseCertificate } from '../../../src/pki/certificate.js';
import { x509, type X509 } from '../../../src/pki/x509.js';
import { parseYaml } from '../../../src/util/yaml.js';
import { cert, freshRoot, runPhase, testConfig } from './context.js';

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
      'dns:cp-1',
      'dns:kubernetes',
      'dns:kubernetes.default',
      'dns:kubernetes.default.svc',
      'dns:kubernetes.default.svc.cluster.local',
      'ip:10.96.0.1',
      'ip:192.0.2.10',
    ],
  },
  'apiserver-kubelet-client.crt': {
    subject: 'CN=kube-apiserver-kubelet-client',
    issuer: 'CN=kubernetes',
    ekus: [CLIENT],
  },
  'front-proxy-ca.crt': {
    subject: 'CN=front-proxy-ca',
    issuer: 'CN=front-proxy-ca',
    ekus: [],
    sans: ['dns:front-proxy-ca'],
  },
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

const CA_FILES: Record<string, string> = {
  'CN=kubernetes': 'ca.crt',
  'CN=front-proxy-ca': 'front-proxy-ca.crt',
  'CN=etcd-ca': 'etcd/ca.crt',
};

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
      expect({ file, subject: c.subject, issuer: c.issuer, ekus: ekus(c), sans: sans(c) }).toEqual({
        file,
        ...want,
        sans: want.sans ?? [],
      });
      const issuer = await cert(pki(CA_FILES[want.issuer]));
      expect(await c.verify({ publicKey: issuer.publicKey, signatureOnly: true })).toBe(true);
      expect(c.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(isCA);
      const usage = c.getExtension(x509.KeyUsagesExtension)!;
      expect(usage.critical).toBe(true);
      expect(usage.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | (isCA ? x509.KeyUsageFlags.keyCertSign : 0));
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
    expect((await cert(pki('ca.crt'))).signatureAlgorithm).toMatchObject({
      name: 'RSASSA-PKCS1-v1_5',
      hash: { name: 'SHA-256' },
    });
  });

  test('kubeconfig all writes the five kubeconfigs with kubeadm’s identities and servers', async () => {
    const cfg = testConfig('ECDSA-P256', (c) => (c.cluster.controlPlaneEndpoint = 'cp.example.com:7443'));
    const { host, pki, conf } = await freshRoot();
    await runPhase(cfg, host, 'certs/ca');
    const lines = await runPhase(cfg, host, 'kubeconfig');
    expect(lines).toEqual(['[kubeconfig] Using kubeconfig folder "/etc/kubernetes"', ...KUBECONFIGS.map((f) => `[kubeconfig] Writing "${f}" kubeconfig file`)]);
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
      const doc = parseYaml(text) as {
        contexts: { name: string; context: { user: string; cluster: string } }[];
        'current-context': string;
      };
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
    expect(caCertHash(await cert(pki('ca.crt')))).toBe(`sha256:${createHash('sha256').update(spki).digest('hex')}`);
  });
});
