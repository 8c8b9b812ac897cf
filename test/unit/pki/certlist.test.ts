import { expect, test } from 'vitest';
import { apiServerAltNames, etcdAltNames } from '../../../src/pki/alt-names.js';
import { CERT_LIST, isEtcdCert } from '../../../src/pki/certlist.js';
import { nodePkiFromInit } from '../../../src/pki/input.js';
import { testConfig } from './context.js';

test('the certificate list is kubeadm’s, in its order', () => {
  expect(CERT_LIST.map((s) => s.name)).toEqual([
    'ca',
    'apiserver',
    'apiserver-kubelet-client',
    'front-proxy-ca',
    'front-proxy-client',
    'etcd-ca',
    'etcd-server',
    'etcd-peer',
    'etcd-healthcheck-client',
    'apiserver-etcd-client',
  ]);
  expect(CERT_LIST.filter(isEtcdCert).map((s) => s.baseName)).toEqual([
    'etcd/ca',
    'etcd/server',
    'etcd/peer',
    'etcd/healthcheck-client',
    'apiserver-etcd-client',
  ]);
});

test('apiserver names: sorted unique DNS names, IPs unique in order, endpoint host and certSANs included', () => {
  const cfg = testConfig('ECDSA-P256', (c) => {
    c.cluster.controlPlaneEndpoint = 'cp.example.com:6443';
    c.cluster.apiServer.certSANs = ['10.0.0.5', 'zeta.example.com', 'alpha.example.com', 'kubernetes', '192.0.2.10', 'fd00::0:5'];
    c.cluster.networking.dnsDomain = 'corp.local';
  });
  expect(apiServerAltNames(nodePkiFromInit(cfg))).toEqual({
    dnsNames: [
      'alpha.example.com',
      'cp-1',
      'cp.example.com',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.corp.local',
      'zeta.example.com',
    ],
    ips: ['10.96.0.1', '192.0.2.10', '10.0.0.5', 'fd00::5'],
  });
});

test('an IP control-plane endpoint becomes an IP SAN', () => {
  const cfg = testConfig('ECDSA-P256', (c) => (c.cluster.controlPlaneEndpoint = '[fd00::10]:6443'));
  expect(apiServerAltNames(nodePkiFromInit(cfg)).ips).toEqual(['10.96.0.1', '192.0.2.10', 'fd00::10']);
});

test('etcd names: node, localhost, advertise address, loopbacks and the extras', () => {
  const node = nodePkiFromInit(testConfig());
  expect(etcdAltNames(node, ['etcd.example.com', '10.1.1.1', 'localhost'])).toEqual({
    dnsNames: ['cp-1', 'etcd.example.com', 'localhost'],
    ips: ['192.0.2.10', '127.0.0.1', '::1', '10.1.1.1'],
  });
});

test('apiserver-kubelet-client is in kubeadm:cluster-admins up to 1.35 and in no group from 1.36', () => {
  const spec = CERT_LIST.find((s) => s.name === 'apiserver-kubelet-client');
  if (spec?.kind !== 'leaf') throw new Error('missing spec');
  const subjectFor = (version: string) => spec.subject(nodePkiFromInit(testConfig('ECDSA-P256', (c) => (c.cluster.kubernetesVersion = version))));
  expect(subjectFor('v1.35.2')).toEqual({ commonName: 'kube-apiserver-kubelet-client', organization: ['kubeadm:cluster-admins'] });
  expect(subjectFor('v1.36.3')).toEqual({ commonName: 'kube-apiserver-kubelet-client', organization: [] });
  expect(subjectFor('v1.31.0')).toEqual({ commonName: 'kube-apiserver-kubelet-client', organization: ['kubeadm:cluster-admins'] });
  expect(subjectFor('v1.37.1')).toEqual({ commonName: 'kube-apiserver-kubelet-client', organization: [] });
  expect(subjectFor('v1.38.0-alpha.1')).toEqual({ commonName: 'kube-apiserver-kubelet-client', organization: [] });
});
