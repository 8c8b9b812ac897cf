import { expect, test } from 'vitest';
import { buildKubeconfig, readKubeconfigTarget } from '../../../src/kubeconfig/kubeconfig.js';
import { KUBECONFIG_LIST, kubeconfigClientValidity, kubeconfigServer } from '../../../src/kubeconfig/specs.js';
import { createCaCertificate, createLeafCertificate } from '../../../src/pki/certificate.js';
import { generateKey } from '../../../src/pki/keys.js';
import { nodePkiFromInit } from '../../../src/pki/input.js';
import { emitYaml } from '../../../src/util/yaml.js';
import { testConfig } from './context.js';

const spec = (name: string) => KUBECONFIG_LIST.find((s) => s.name === name)!;

test('servers: the control-plane endpoint for admin and super-admin; this node for the others (kubelet.conf too, as kubeadm 1.36 and 1.37 write it)', () => {
  const plain = nodePkiFromInit(testConfig());
  const withEndpoint = nodePkiFromInit(testConfig('ECDSA-P256', (c) => (c.cluster.controlPlaneEndpoint = 'cp.example.com')));
  const v6 = nodePkiFromInit(testConfig('ECDSA-P256', (c) => (c.init.localAPIEndpoint.advertiseAddress = 'fd00::10')));
  expect(kubeconfigServer(spec('admin'), plain)).toBe('https://192.0.2.10:6443');
  expect(kubeconfigServer(spec('kubelet'), withEndpoint)).toBe('https://192.0.2.10:6443');
  expect(kubeconfigServer(spec('super-admin'), withEndpoint)).toBe('https://cp.example.com:6443');
  expect(kubeconfigServer(spec('scheduler'), withEndpoint)).toBe('https://192.0.2.10:6443');
  expect(kubeconfigServer(spec('controller-manager'), v6)).toBe('https://[fd00::10]:6443');
});

test('identities are kubeadm’s', () => {
  const node = nodePkiFromInit(testConfig());
  expect(KUBECONFIG_LIST.map((s) => [s.file, s.subject(node)])).toEqual([
    ['admin.conf', { commonName: 'kubernetes-admin', organization: ['kubeadm:cluster-admins'] }],
    ['super-admin.conf', { commonName: 'kubernetes-super-admin', organization: ['system:masters'] }],
    ['kubelet.conf', { commonName: 'system:node:cp-1', organization: ['system:nodes'] }],
    ['controller-manager.conf', { commonName: 'system:kube-controller-manager' }],
    ['scheduler.conf', { commonName: 'system:kube-scheduler' }],
  ]);
});

test('a built kubeconfig renders in clientcmd’s key order and reads back', () => {
  const text = emitYaml(
    buildKubeconfig({
      clusterName: 'kubernetes',
      server: 'https://192.0.2.10:6443',
      caCertPem: 'CA',
      userName: 'u',
      credentials: { clientCertPem: 'C', clientKeyPem: 'K' },
    }),
  );
  expect(
    text
      .split('\n')
      .filter((l) => /^\S/.test(l))
      .map((l) => l.split(':')[0]),
  ).toEqual(['apiVersion', 'clusters', 'contexts', 'current-context', 'kind', 'users']);
  expect(text).toContain('current-context: u@kubernetes');
  expect(readKubeconfigTarget(text)).toEqual({ server: 'https://192.0.2.10:6443', caCertPem: 'CA', clientCertPem: 'C', clientKeyPem: 'K' });
});

test('a kubeconfig whose credentials are files reads without embedded client data', () => {
  const text = `apiVersion: v1
kind: Config
clusters: [{name: kubernetes, cluster: {server: "https://192.0.2.10:6443", certificate-authority-data: Q0E=}}]
contexts: [{name: a, context: {cluster: kubernetes, user: kubelet}}]
current-context: a
users: [{name: kubelet, user: {client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem}}]
`;
  expect(readKubeconfigTarget(text)).toEqual({
    server: 'https://192.0.2.10:6443',
    caCertPem: 'CA',
    clientCertPem: undefined,
    clientKeyPem: undefined,
    clientCertFile: '/var/lib/kubelet/pki/kubelet-client-current.pem',
  });
  expect(() => readKubeconfigTarget('kind: Pod')).toThrow(/not a kubeconfig/);
  expect(() => readKubeconfigTarget(text.replace('current-context: a', 'current-context: b'))).toThrow(/no context "b"/);
});

test("a kubeconfig's client certificate starts when its CA does and lasts certificateValidityPeriod from now", async () => {
  const cfg = testConfig();
  const key = await generateKey('ECDSA-P256');
  const caStart = new Date('2025-01-01T00:00:00Z');
  const ca = await createCaCertificate('kubernetes', key, { now: caStart, lifetimeMs: 3_600_000, notBefore: caStart });
  const now = new Date('2025-06-01T00:00:00Z');
  const validity = kubeconfigClientValidity(ca, cfg.cluster, now);
  const cert = await createLeafCertificate({ subject: { commonName: 'u' }, usages: ['client'] }, key, { cert: ca, key }, validity);
  expect(cert.notBefore).toEqual(caStart);
  expect(cert.notAfter.getTime() - now.getTime()).toBe(8760 * 3_600_000);
});
