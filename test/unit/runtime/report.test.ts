import { describe, expect, it } from 'vitest';
import type { Node } from '../../../src/kube/workloads.js';
import { CRI_SOCKET_ANNOTATION } from '../../../src/kube/labels.js';
import { migrationReport, nodeReport, type NodeFiles } from '../../../src/runtime/report.js';

function node(name: string, runtime: string, annotation?: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, annotations: annotation ? { [CRI_SOCKET_ANNOTATION]: annotation } : undefined },
    status: { nodeInfo: { containerRuntimeVersion: runtime } },
  };
}

const containerd: NodeFiles = {
  endpoint: 'unix:///run/containerd/containerd.sock',
  endpointFrom: '/var/lib/kubelet/instance-config.yaml',
  runtime: 'containerd',
  runtimeVersion: '2.1.4',
  kubeletCgroupDriver: 'systemd',
  kubeletCgroupDriverFrom: '/var/lib/kubelet/config.yaml',
  runtimeCgroupDriver: 'systemd',
  runtimeCgroupDriverFrom: '/etc/containerd/config.toml',
};
const criDockerd: NodeFiles = {
  endpoint: 'unix:///var/run/cri-dockerd.sock',
  endpointFrom: '/var/lib/kubelet/kubeadm-flags.env',
  runtime: 'docker',
  runtimeVersion: '20.10.24',
  kubeletCgroupDriver: 'cgroupfs',
  runtimeCgroupDriver: 'cgroupfs',
  runtimeCgroupDriverFrom: '/etc/docker/daemon.json',
};

describe('nodeReport', () => {
  it('a containerd node whose files and Node agree is ok', () => {
    expect(nodeReport(node('n1', 'containerd://2.1.4'), { files: containerd, problems: [] })).toMatchObject({
      runtime: 'containerd',
      status: 'ok',
      errors: [],
      warnings: [],
      unreachable: undefined,
    });
  });

  it('a node on cri-dockerd is to migrate', () => {
    expect(nodeReport(node('n2', 'docker://20.10.24'), { files: criDockerd, problems: [] })).toMatchObject({
      runtime: 'docker (cri-dockerd)',
      status: 'to-migrate',
    });
  });

  it('a node not reached is reported from its Node: dockershim by its annotation, or by the Node alone', () => {
    const viaAnnotation = nodeReport(node('n3', 'docker://19.3.15', '/var/run/dockershim.sock'), { unreachable: 'host n3: connection refused' });
    expect(viaAnnotation).toMatchObject({ runtime: 'docker (dockershim)', status: 'to-migrate', unreachable: 'host n3: connection refused', files: undefined });
    expect(nodeReport(node('n4', 'docker://19.3.15'), undefined)).toMatchObject({ runtime: 'docker (dockershim)', unreachable: 'no --inventory names it' });
  });

  it('flags a kubelet/runtime cgroup driver mismatch as an error, naming the file', () => {
    const report = nodeReport(node('n5', 'containerd://2.1.4'), { files: { ...containerd, runtimeCgroupDriver: 'cgroupfs' }, problems: [] });
    expect(report.status).toBe('error');
    expect(report.errors).toEqual([
      "cgroup driver mismatch: the kubelet's is systemd (/var/lib/kubelet/config.yaml), containerd's is cgroupfs (/etc/containerd/config.toml)",
    ]);
  });

  it('reports where the Node and the files disagree: the runtime, its version, a stale annotation', () => {
    const switched = nodeReport(node('n6', 'docker://20.10.24', '/var/run/dockershim.sock'), {
      files: containerd,
      problems: ['/etc/containerd/config.toml: unreadable'],
    });
    expect(switched.warnings).toEqual([
      '/etc/containerd/config.toml: unreadable',
      "the Node reports docker://20.10.24, the node's files select containerd (unix:///run/containerd/containerd.sock in /var/lib/kubelet/instance-config.yaml)",
      `the Node's ${CRI_SOCKET_ANNOTATION} annotation says /var/run/dockershim.sock, the node's files unix:///run/containerd/containerd.sock (kubeadm upgrade reads the annotation)`,
    ]);
    const upgraded = nodeReport(node('n7', 'containerd://1.6.20'), { files: containerd, problems: [] });
    expect(upgraded.warnings).toEqual(['the Node reports containerd://1.6.20, the runtime binary on the node is 2.1.4 (not restarted since?)']);
  });
});

describe('migrationReport', () => {
  it('lists what blocks a migration: Docker nodes, mismatches, workloads that depend (not those that may)', () => {
    const nodes = [
      nodeReport(node('a', 'containerd://2.1.4'), { files: containerd, problems: [] }),
      nodeReport(node('b', 'docker://20.10.24'), { files: { ...criDockerd, kubeletCgroupDriver: 'systemd' }, problems: [] }),
    ];
    const report = migrationReport(nodes, [
      { kind: 'Deployment', namespace: 'ns', name: 'web', class: 'depends', reasons: ['hostPath /var/run/docker.sock (volume v)'], pods: ['web-1'] },
      { kind: 'CronJob', name: 'c', class: 'depends', reasons: ['hostPath /var/lib/docker (volume d)'], source: { file: 'm.yaml', document: 2 } },
      { kind: 'DaemonSet', namespace: 'ns', name: 'agent', class: 'may depend', reasons: ['hostPath /run (volume r)'], pods: ['agent-1'] },
    ]);
    expect(report).toMatchObject({ apiVersion: 'bosun.dev/v1alpha1', kind: 'MigrationReport' });
    expect(report.blocking).toEqual([
      'node b runs docker (cri-dockerd)',
      "node b: cgroup driver mismatch: the kubelet's is systemd, docker's is cgroupfs (/etc/docker/daemon.json)",
      'Deployment ns/web depends on Docker: hostPath /var/run/docker.sock (volume v)',
      'm.yaml document 2: CronJob c depends on Docker: hostPath /var/lib/docker (volume d)',
    ]);
    expect(migrationReport(nodes.slice(0, 1), []).blocking).toEqual([]);
  });
});
