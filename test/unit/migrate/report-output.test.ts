import { describe, expect, it } from 'vitest';
import { formatReport } from '../../../src/commands/migrate/report-output.js';
import type { Node } from '../../../src/kube/workloads.js';
import { migrationReport, nodeReport } from '../../../src/runtime/report.js';
import { parseYaml } from '../../../src/util/yaml.js';

const node = (name: string, runtime: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { nodeInfo: { containerRuntimeVersion: runtime } },
});

const report = migrationReport(
  [
    nodeReport(node('cp', 'containerd://2.1.4'), {
      files: {
        endpoint: 'unix:///run/containerd/containerd.sock',
        endpointFrom: '/var/lib/kubelet/instance-config.yaml',
        runtime: 'containerd',
        runtimeVersion: '2.1.4',
        kubeletCgroupDriver: 'systemd',
        runtimeCgroupDriver: 'cgroupfs',
        runtimeCgroupDriverFrom: '/etc/containerd/config.toml',
      },
      problems: [],
    }),
    nodeReport(node('w1', 'docker://20.10.24'), { unreachable: 'host w1: connection refused' }),
  ],
  [
    {
      kind: 'Deployment',
      namespace: 'default',
      name: 'builder',
      class: 'depends',
      reasons: ['hostPath /var/run/docker.sock (volume sock)'],
      pods: ['builder-1'],
    },
    { kind: 'CronJob', name: 'cleanup', class: 'may depend', reasons: ['hostPath /run (volume run)'], source: { file: 'm/cron.yaml', document: 2 } },
  ],
);

describe('migrate report output', () => {
  it('text: a nodes table with notes, a workloads table, and what blocks a migration', () => {
    expect(formatReport(report, 'text')).toBe(
      [
        'Nodes:',
        'NAME   STATUS                       RUNTIME               NODE REPORTS         BINARY VERSION   CRI ENDPOINT                             FROM                                    KUBELET CGROUP   RUNTIME CGROUP',
        'cp     error                        containerd            containerd://2.1.4   2.1.4            unix:///run/containerd/containerd.sock   /var/lib/kubelet/instance-config.yaml   systemd          cgroupfs',
        'w1     to-migrate (node not read)   docker (dockershim)   docker://20.10.24    -                -                                        -                                       -                -',
        "cp: error: cgroup driver mismatch: the kubelet's is systemd, containerd's is cgroupfs (/etc/containerd/config.toml)",
        'w1: files not read (host w1: connection refused): reported from its Node alone',
        '',
        'Workloads:',
        'NAMESPACE   KIND         NAME      DOCKER       FOUND IN                   WHY',
        'default     Deployment   builder   depends      1 pod(s)                   hostPath /var/run/docker.sock (volume sock)',
        '-           CronJob      cleanup   may depend   m/cron.yaml (document 2)   hostPath /run (volume run)',
        '',
        '3 finding(s) block a migration:',
        "  node cp: cgroup driver mismatch: the kubelet's is systemd, containerd's is cgroupfs (/etc/containerd/config.toml)",
        '  node w1 runs docker (dockershim)',
        '  Deployment default/builder depends on Docker: hostPath /var/run/docker.sock (volume sock)',
        '',
      ].join('\n'),
    );
  });

  it('text: says when nothing is found and nothing blocks', () => {
    const text = formatReport(migrationReport([], []), 'text');
    expect(text).toContain("Workloads:\nNone mounts Docker's socket");
    expect(text.endsWith('Nothing blocks a migration.\n')).toBe(true);
  });

  it('json and yaml: the versioned MigrationReport object, the same data in both', () => {
    const json = JSON.parse(formatReport(report, 'json'));
    expect(json).toMatchObject({ apiVersion: 'bosun.dev/v1alpha1', kind: 'MigrationReport' });
    expect(json.nodes.map((n: { name: string; status: string }) => [n.name, n.status])).toEqual([
      ['cp', 'error'],
      ['w1', 'to-migrate'],
    ]);
    expect(json.workloads[1].source).toEqual({ file: 'm/cron.yaml', document: 2 });
    expect(json.blocking).toHaveLength(3);
    expect(parseYaml(formatReport(report, 'yaml'))).toEqual(json);
  });
});
