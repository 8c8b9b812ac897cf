import type { KubeObject } from '../cluster/cluster.js';
import { CONFIG_HASH_ANNOTATION, MIRROR_ANNOTATION } from '../kube/labels.js';
import type { ContainerState } from './container.js';
import type { PodManifest } from './static-pod.js';

/** What the runner knows about one static pod, for its mirror Pod. */
export interface PodReport {
  file: string;
  hash: string;
  /** When the runner first saw this version of the manifest (`kubernetes.io/config.seen`). */
  seen: string;
  pod?: PodManifest;
  error?: string;
  containers: ContainerState[];
}

/** The annotation kwok's node selector matches: kwok heartbeats the node and runs its ordinary Pods. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export interface NodeFacts {
  name: string;
  address: string;
  kubeletVersion: string;
  /** A Windows node: its OS image (`Microsoft Windows Server 2022 Datacenter`) and build (`10.0.20348`), from its machine. */
  windows?: { osImage: string; build: string };
}

/** The Node a kubelet registers (labels a kubelet may set on itself; status as it reports at registration). */
export function registeredNode(node: NodeFacts): KubeObject {
  const os = node.windows ? 'windows' : 'linux';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': os,
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': os,
        ...(node.windows && { 'node.kubernetes.io/windows-build': node.windows.build }),
      },
      annotations: {
        [KWOK_NODE_ANNOTATION]: 'fake',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {},
    status: {
      addresses: [
        { type: 'InternalIP', address: node.address },
        { type: 'Hostname', address: node.name },
      ],
      capacity: { cpu: '2', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '8Gi', pods: '110' },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: os,
        osImage: node.windows?.osImage ?? 'bosun sandbox',
        kernelVersion: '',
        kubeletVersion: node.kubeletVersion,
        kubeProxyVersion: '',
        containerRuntimeVersion: 'bosun-sandbox://1',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}

function mirrorPodName(report: Pick<PodReport, 'pod'>, node: string): string {
  return `${report.pod!.metadata.name}-${node}`;
}

/** The mirror Pod of a static pod, as the kubelet creates it: the manifest's spec bound to the node, owned by the Node. */
export function mirrorPod(report: PodReport, node: { name: string; uid: string }): KubeObject {
  const pod = report.pod!;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: mirrorPodName(report, node.name),
      namespace: pod.metadata.namespace ?? 'default',
      labels: pod.metadata.labels,
      annotations: {
        ...pod.metadata.annotations,
        [CONFIG_HASH_ANNOTATION]: report.hash,
        [MIRROR_ANNOTATION]: report.hash,
        'kubernetes.io/config.seen': report.seen,
        'kubernetes.io/config.source': 'file',
      },
      // The NodeRestriction admission plugin accepts exactly this owner: the node itself, as controller.
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }],
    },
    spec: {
      ...pod.spec,
      nodeName: node.name,
      // The kubelet gives every static pod this toleration, so node taints never evict it.
      tolerations: [...((pod.spec.tolerations as unknown[]) ?? []), { operator: 'Exists', effect: 'NoExecute' }],
    },
  };
}

function containerStatus(c: ContainerState) {
  const state =
    c.state === 'running'
      ? { running: { startedAt: c.startedAt } }
      : c.state === 'waiting'
        ? { waiting: { reason: c.reason, message: c.message } }
        : {
            terminated: {
              exitCode: c.lastTermination?.exitCode ?? 0,
              reason: c.reason,
              startedAt: c.lastTermination?.startedAt,
              finishedAt: c.lastTermination?.finishedAt,
            },
          };
  const last = c.lastTermination;
  return {
    name: c.name,
    image: c.image,
    imageID: '',
    ...(c.pid ? { containerID: `bosun://${c.pid}` } : {}),
    ready: c.ready,
    started: c.started,
    restartCount: c.restartCount,
    state,
    lastState: last ? { terminated: { exitCode: last.exitCode, reason: last.reason, startedAt: last.startedAt, finishedAt: last.finishedAt } } : {},
  };
}

/** The kubelet's pod phase: Pending until a container has run, Succeeded/Failed when all ended for good. */
function podPhase(containers: ContainerState[]): string {
  if (containers.every((c) => c.state === 'waiting' && c.restartCount === 0 && !c.lastTermination)) return 'Pending';
  if (containers.every((c) => c.state === 'terminated')) {
    return containers.every((c) => c.lastTermination?.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  return 'Running';
}

/**
 * The mirror Pod's status. `since(type, status)` gives each condition's last transition time,
 * kept by the caller so a condition's time changes only when its status does.
 */
export function mirrorPodStatus(report: PodReport, address: string, since: (type: string, status: string) => string) {
  const ready = report.containers.length > 0 && report.containers.every((c) => c.ready);
  const condition = (type: string, ok: boolean) => {
    const status = ok ? 'True' : 'False';
    return { type, status, lastTransitionTime: since(type, status), ...(ok || type === 'PodScheduled' ? {} : { reason: 'ContainersNotReady' }) };
  };
  const startedAt = report.containers
    .map((c) => c.startedAt)
    .filter(Boolean)
    .sort()[0];
  return {
    phase: podPhase(report.containers),
    conditions: [
      condition('PodReadyToStartContainers', true),
      condition('Initialized', true),
      condition('Ready', ready),
      condition('ContainersReady', ready),
      condition('PodScheduled', true),
    ],
    hostIP: address,
    hostIPs: [{ ip: address }],
    podIP: address,
    podIPs: [{ ip: address }],
    startTime: startedAt ?? report.seen,
    containerStatuses: report.containers.map(containerStatus),
  };
}
