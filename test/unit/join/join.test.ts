import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterWithDefaults } from '../../../src/config/defaults.js';
import { bootstrapKubeconfig } from '../../../src/discovery/bootstrap-kubeconfig.js';
import { LocalHost } from '../../../src/host/local.js';
import { kubeletConfReady, sharedCertFiles } from '../../../src/commands/join/node-files.js';
import { joinPhases } from '../../../src/commands/join/phases.js';
import { storedClusterConfiguration, storedKubeletConfiguration } from '../../../src/commands/join/stored-config.js';
import { flatten } from '../../../src/workflow/phase.js';

describe('the join workflow', () => {
  it("has kubeadm's phases, in kubeadm's order", () => {
    expect(flatten(joinPhases).map((p) => p.path)).toEqual([
      'preflight',
      'control-plane-prepare',
      'control-plane-prepare/download-certs',
      'control-plane-prepare/certs',
      'control-plane-prepare/kubeconfig',
      'control-plane-prepare/control-plane',
      'kubelet-start',
      'etcd-join',
      'kubelet-wait-bootstrap',
      'mark-control-plane',
      'wait-control-plane',
    ]);
  });
});

describe('bootstrap-kubelet.conf', () => {
  it('is the discovered server and CA, the token user kubeadm names, the cluster named as the cluster', () => {
    const kubeconfig = bootstrapKubeconfig({
      server: 'https://10.0.0.1:6443',
      caCertPem: 'PEM',
      clusterName: 'prod',
      credentials: { token: 'abcdef.0123456789abcdef' },
    });
    expect(kubeconfig).toEqual({
      apiVersion: 'v1',
      clusters: [{ cluster: { 'certificate-authority-data': Buffer.from('PEM').toString('base64'), server: 'https://10.0.0.1:6443' }, name: 'prod' }],
      contexts: [{ context: { cluster: 'prod', user: 'tls-bootstrap-token-user' }, name: 'tls-bootstrap-token-user@kubernetes' }],
      'current-context': 'tls-bootstrap-token-user@kubernetes',
      kind: 'Config',
      users: [{ name: 'tls-bootstrap-token-user', user: { token: 'abcdef.0123456789abcdef' } }],
    });
  });
});

describe('the end of the TLS bootstrap', () => {
  it('is kubelet.conf with the client certificate it names', async () => {
    const host = new LocalHost(mkdtempSync(path.join(os.tmpdir(), 'bosun-join-')));
    expect(await kubeletConfReady(host)).toBe(false);
    const conf = (user: string) =>
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://x:6443"}}]\ncontexts: [{name: d, context: {cluster: c, user: u}}]\ncurrent-context: d\nusers: [{name: u, user: ${user}}]\n`;
    await host.writeFileAtomic(
      '/etc/kubernetes/kubelet.conf',
      conf('{client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem, client-key: /var/lib/kubelet/pki/kubelet-client-current.pem}'),
      0o600,
    );
    expect(await kubeletConfReady(host)).toBe(false);
    await host.writeFileAtomic('/var/lib/kubelet/pki/kubelet-client-current.pem', 'PEM', 0o600);
    expect(await kubeletConfReady(host)).toBe(true);
    await host.writeFileAtomic('/etc/kubernetes/kubelet.conf', conf('{client-certificate-data: QQ==, client-key-data: QQ==}'), 0o600);
    expect(await kubeletConfReady(host)).toBe(true);
  });
});

describe('what a joining control-plane node shares with the others', () => {
  it('is the CAs with their keys and the service-account key pair (no etcd CA with an external etcd)', () => {
    expect(sharedCertFiles(clusterWithDefaults())).toEqual(
      ['ca.crt', 'ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd/ca.crt', 'etcd/ca.key', 'sa.key', 'sa.pub'].map((f) => `/etc/kubernetes/pki/${f}`),
    );
    const external = clusterWithDefaults({ etcd: { external: { endpoints: ['https://e:2379'] } } });
    expect(sharedCertFiles(external)).not.toContain('/etc/kubernetes/pki/etcd/ca.crt');
  });
});

describe('the configuration a cluster stores', () => {
  it('reads a v1beta4 ClusterConfiguration as it is, and converts a v1beta3 one', async () => {
    const v4 = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nclusterName: prod\napiServer:\n  extraArgs:\n  - {name: v, value: "2"}\n';
    expect(await storedClusterConfiguration(v4, 'cm')).toEqual({ clusterName: 'prod', apiServer: { extraArgs: [{ name: 'v', value: '2' }] } });
    const v3 = 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nclusterName: old\napiServer:\n  extraArgs:\n    v: "2"\n';
    expect(await storedClusterConfiguration(v3, 'cm')).toMatchObject({ clusterName: 'old', apiServer: { extraArgs: [{ name: 'v', value: '2' }] } });
  });

  it('names the ConfigMap when a document is not what it should be', async () => {
    await expect(storedClusterConfiguration('kind: Pod\n', 'ConfigMap kube-system/kubeadm-config')).rejects.toThrow(
      'ConfigMap kube-system/kubeadm-config: expected a ClusterConfiguration',
    );
    expect(() => storedKubeletConfiguration('apiVersion: v1\nkind: KubeletConfiguration\n', 'ConfigMap kube-system/kubelet-config')).toThrow(
      /expected kubelet.config.k8s.io\/v1beta1/,
    );
  });
});
