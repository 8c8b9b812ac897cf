import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/cluster/cluster.js';
import type { Pod } from '../../../src/kube/workloads.js';
import { clusterWorkloadFindings, podWorkloads } from '../../../src/runtime/workloads.js';

const owner = (kind: string, name: string, controller = true) => ({ apiVersion: 'apps/v1', kind, name, controller });

function object(kind: string, name: string, controlledBy?: ReturnType<typeof owner>, namespace = 'ns'): KubeObject {
  return { apiVersion: 'apps/v1', kind, metadata: { name, namespace, ownerReferences: controlledBy ? [controlledBy] : undefined } };
}

function pod(name: string, controlledBy?: ReturnType<typeof owner>, hostPath?: string, namespace = 'ns'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: name, ownerReferences: controlledBy ? [controlledBy] : undefined },
    spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: hostPath ? [{ name: 'v', hostPath: { path: hostPath } }] : [] },
  };
}

const owners = {
  replicaSets: [object('ReplicaSet', 'web-5d8f', owner('Deployment', 'web')), object('ReplicaSet', 'bare-rs')],
  jobs: [object('Job', 'backup-2901', owner('CronJob', 'backup')), object('Job', 'once')],
};

describe('podWorkloads', () => {
  const workloadOf = podWorkloads(owners);

  it.each([
    ['a ReplicaSet up to its Deployment', owner('ReplicaSet', 'web-5d8f'), { kind: 'Deployment', name: 'web' }],
    ['a Job up to its CronJob', owner('Job', 'backup-2901'), { kind: 'CronJob', name: 'backup' }],
    ['a ReplicaSet without a Deployment', owner('ReplicaSet', 'bare-rs'), { kind: 'ReplicaSet', name: 'bare-rs' }],
    ['a Job without a CronJob', owner('Job', 'once'), { kind: 'Job', name: 'once' }],
    ['a StatefulSet', owner('StatefulSet', 'db'), { kind: 'StatefulSet', name: 'db' }],
    ['a DaemonSet', owner('DaemonSet', 'agent'), { kind: 'DaemonSet', name: 'agent' }],
    ['an owner gone from the lists', owner('ReplicaSet', 'gone'), { kind: 'ReplicaSet', name: 'gone' }],
    ['a Pod without a controller as itself', undefined, { kind: 'Pod', name: 'p' }],
    ['a Pod whose only owner is no controller as itself', owner('ReplicaSet', 'web-5d8f', false), { kind: 'Pod', name: 'p' }],
  ])('rolls %s', (_, ref, expected) => expect(workloadOf(pod('p', ref))).toEqual({ ...expected, namespace: 'ns' }));

  it("does not take another namespace's owner of the same name", () => {
    expect(workloadOf(pod('p', owner('ReplicaSet', 'web-5d8f'), undefined, 'other'))).toEqual({ kind: 'ReplicaSet', name: 'web-5d8f', namespace: 'other' });
  });
});

describe('clusterWorkloadFindings', () => {
  it("lists each workload once with its Pods and the strongest class, skipping Pods that do not touch Docker's paths", () => {
    const found = clusterWorkloadFindings(
      [
        pod('web-5d8f-a', owner('ReplicaSet', 'web-5d8f'), '/var/run/docker.sock'),
        pod('web-5d8f-b', owner('ReplicaSet', 'web-5d8f'), '/var/run/docker.sock'),
        pod('backup-2901-x', owner('Job', 'backup-2901'), '/var/run/'),
        pod('quiet', undefined, '/var/log'),
        pod('agent-1', owner('DaemonSet', 'agent'), '/var/lib/docker/containers', 'kube-system'),
      ],
      owners,
    );
    expect(found).toEqual([
      {
        kind: 'DaemonSet',
        namespace: 'kube-system',
        name: 'agent',
        class: 'depends',
        reasons: ['hostPath /var/lib/docker/containers (volume v)'],
        pods: ['agent-1'],
      },
      { kind: 'CronJob', namespace: 'ns', name: 'backup', class: 'may depend', reasons: ['hostPath /var/run/ (volume v)'], pods: ['backup-2901-x'] },
      {
        kind: 'Deployment',
        namespace: 'ns',
        name: 'web',
        class: 'depends',
        reasons: ['hostPath /var/run/docker.sock (volume v)'],
        pods: ['web-5d8f-a', 'web-5d8f-b'],
      },
    ]);
  });
});
