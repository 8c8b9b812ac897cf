import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../../src/util/yaml.js';
import { sandboxInitConfig } from '../../../src/sandbox/init-config.js';
import { imageComponent, isManifestFile, mapArgs, parseStaticPod, pathMappings, type PodManifest } from '../../../src/sandbox/static-pod.js';

const pod: PodManifest = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'kube-apiserver', namespace: 'kube-system' },
  spec: {
    containers: [
      {
        name: 'kube-apiserver',
        image: 'registry.k8s.io/kube-apiserver:v1.37.1',
        volumeMounts: [
          { name: 'pki', mountPath: '/etc/kubernetes/pki' },
          { name: 'etcd-pki', mountPath: '/etc/kubernetes/pki/etcd' },
        ],
      },
    ],
    volumes: [
      { name: 'pki', hostPath: { path: '/etc/kubernetes/pki' } },
      { name: 'etcd-pki', hostPath: { path: '/srv/etcd-certs' } },
    ],
  },
};

describe('static pod manifests in the sandbox runner', () => {
  it('maps paths under each volume mount into the node rootfs, the longest mount first', () => {
    const mappings = pathMappings(pod, pod.spec.containers[0], '/sbx/nodes/cp');
    expect(
      mapArgs(
        [
          '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
          '--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt',
          '--etcd-servers=https://127.0.0.1:2379',
          '--tls-sni-cert-key=/etc/kubernetes/pki/a.crt,/etc/kubernetes/pki/a.key',
          '--audit-log-path=/var/log/audit.log',
          '/etc/kubernetes/pki',
        ],
        mappings,
      ),
    ).toEqual([
      '--tls-cert-file=/sbx/nodes/cp/etc/kubernetes/pki/apiserver.crt',
      '--etcd-cafile=/sbx/nodes/cp/srv/etcd-certs/ca.crt',
      '--etcd-servers=https://127.0.0.1:2379',
      '--tls-sni-cert-key=/sbx/nodes/cp/etc/kubernetes/pki/a.crt,/sbx/nodes/cp/etc/kubernetes/pki/a.key',
      '--audit-log-path=/var/log/audit.log',
      '/sbx/nodes/cp/etc/kubernetes/pki',
    ]);
  });

  it('reads the binary and version from an image, whatever the registry', () => {
    expect(imageComponent('registry.k8s.io/kube-apiserver:v1.37.1')).toEqual({ component: 'kube-apiserver', tag: 'v1.37.1' });
    expect(imageComponent('localhost:5000/mirror/etcd:3.6.16-0@sha256:abc')).toEqual({ component: 'etcd', tag: '3.6.16-0' });
    expect(imageComponent('localhost:5000/pause')).toEqual({ component: 'pause', tag: 'latest' });
  });

  it('ignores hidden and temp files, and names the file and field of a manifest it cannot run', () => {
    expect(['etcd.yaml', 'a.json', '.etcd.yaml.swp', 'etcd.yaml.1a2b.tmp'].filter(isManifestFile)).toEqual(['etcd.yaml', 'a.json']);
    expect(parseStaticPod('x.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: c}]\n').error).toBe(
      'x.yaml: Pod: spec.containers[0].image: required',
    );
    expect(parseStaticPod('x.yaml', 'kind: Service').error).toMatch(/x\.yaml: Pod: kind: expected apiVersion v1, kind Pod/);
    const same = 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: c, image: i}]\n';
    expect(parseStaticPod('x.yaml', same).hash).toBe(parseStaticPod('y.yaml', same).hash);
  });
});

describe('the init config of a sandbox', () => {
  it("sets the node name, its address and the version on the user's documents, keeping the rest", () => {
    const text = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking: {serviceSubnet: 10.97.0.0/16}\n';
    const docs = parseAllDocuments(sandboxInitConfig({ file: 'c.yaml', text, version: 'v1.36.3', nodeName: 'cp', address: '10.251.0.10' })).map((d) =>
      d.toJS(),
    );
    expect(docs).toEqual([
      {
        apiVersion: 'kubeadm.k8s.io/v1beta4',
        kind: 'InitConfiguration',
        localAPIEndpoint: { advertiseAddress: '10.251.0.10' },
        nodeRegistration: { name: 'cp' },
      },
      {
        apiVersion: 'kubeadm.k8s.io/v1beta4',
        kind: 'ClusterConfiguration',
        networking: { serviceSubnet: '10.97.0.0/16' },
        kubernetesVersion: 'v1.36.3',
        controlPlaneEndpoint: '10.251.0.10:6443',
      },
    ]);
  });

  it('refuses a config whose version differs from --version', () => {
    const text = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.37.1\n';
    expect(() => sandboxInitConfig({ file: 'c.yaml', text, version: 'v1.36.3', nodeName: 'cp', address: '10.251.0.10' })).toThrow(
      'c.yaml: ClusterConfiguration: kubernetesVersion: v1.37.1 differs from --version v1.36.3',
    );
  });

  it('defaults to a plain v1beta4 cluster with a pod subnet', () => {
    const [init, cluster] = sandboxInitConfig({ version: 'v1.37.1', nodeName: 'cp', address: '10.251.0.10' })
      .split('---\n')
      .map((d) => parseYaml(d));
    expect(init).toMatchObject({ kind: 'InitConfiguration', nodeRegistration: { name: 'cp' } });
    expect(cluster).toMatchObject({ kind: 'ClusterConfiguration', kubernetesVersion: 'v1.37.1', networking: { podSubnet: '10.244.0.0/16' } });
  });
});
