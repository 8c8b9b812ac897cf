import type { Node, Pod, PodDisruptionBudget } from '../../../src/kube/workloads.js';

let uid = 0;

/** A running, Ready pod on `node`; `owner` is its controller (`ReplicaSet/web-1`), none when undefined. */
export function pod(
  name: string,
  opts: {
    node?: string;
    namespace?: string;
    owner?: string;
    labels?: Record<string, string>;
    phase?: string;
    ready?: boolean;
    emptyDir?: boolean;
    hostPath?: boolean;
    mirror?: boolean;
    deletedAgoSeconds?: number;
    requests?: Record<string, string>;
  } = {},
): Pod {
  const [kind, ownerName] = opts.owner?.split('/') ?? [];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: opts.namespace ?? 'default',
      uid: `uid-${++uid}`,
      labels: opts.labels,
      ...(opts.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'abc' } } : {}),
      ...(opts.deletedAgoSeconds !== undefined ? { deletionTimestamp: new Date(Date.now() - opts.deletedAgoSeconds * 1000).toISOString() } : {}),
      ...(kind ? { ownerReferences: [{ apiVersion: kind === 'DaemonSet' ? 'apps/v1' : 'apps/v1', kind, name: ownerName, uid: 'o', controller: true }] } : {}),
    },
    spec: {
      nodeName: opts.node ?? 'n1',
      containers: [{ name: 'c', ...(opts.requests ? { resources: { requests: opts.requests } } : {}) }],
      volumes: [...(opts.emptyDir ? [{ name: 'scratch', emptyDir: {} }] : []), ...(opts.hostPath ? [{ name: 'host', hostPath: { path: '/var/log' } }] : [])],
    },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

export function pdb(
  name: string,
  selector: PodDisruptionBudget['spec']['selector'],
  status: PodDisruptionBudget['status'] = {},
  namespace = 'default',
): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace, generation: 1 },
    spec: { selector },
    status: { observedGeneration: 1, ...status },
  };
}

export function node(
  name: string,
  opts: {
    ready?: boolean;
    unschedulable?: boolean;
    allocatable?: Record<string, string>;
    labels?: Record<string, string>;
    taint?: string;
    kubelet?: string;
    os?: string;
    annotations?: Record<string, string>;
  } = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: opts.labels, annotations: opts.annotations },
    spec: { unschedulable: opts.unschedulable, ...(opts.taint ? { taints: [{ key: opts.taint, effect: 'NoSchedule' }] } : {}) },
    status: {
      allocatable: opts.allocatable ?? { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
      nodeInfo: { kubeletVersion: opts.kubelet ?? 'v1.36.3', operatingSystem: opts.os ?? 'linux' },
    },
  };
}
