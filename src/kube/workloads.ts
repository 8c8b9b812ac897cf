/**
 * Pods, Nodes and PodDisruptionBudgets as the API returns them, with the fields bosun reads (drain planning, the
 * roll, upgrade's cluster state and health checks, init's and join's node checks): one copy of each type. Pure
 * types and predicates; the doors fetch the values.
 */
import type { KubeObject } from '../cluster/cluster.js';

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

type Quantities = Record<string, string>;

export interface Pod extends KubeObject {
  metadata: KubeObject['metadata'] & {
    namespace: string;
    uid: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: OwnerRef[];
  };
  spec: {
    nodeName?: string;
    volumes?: Array<{ name: string; emptyDir?: unknown; [source: string]: unknown }>;
    containers: Array<{ name: string; image?: string; resources?: { requests?: Quantities } }>;
    initContainers?: Array<{ name: string; restartPolicy?: string; resources?: { requests?: Quantities } }>;
    overhead?: Quantities;
    terminationGracePeriodSeconds?: number;
  };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    containerStatuses?: Array<{
      name: string;
      ready?: boolean;
      restartCount?: number;
      state?: { waiting?: { reason?: string } };
      lastState?: { terminated?: { exitCode?: number; reason?: string } };
    }>;
  };
}

export interface PodDisruptionBudget extends KubeObject {
  metadata: KubeObject['metadata'] & { namespace: string; generation?: number };
  spec: {
    selector?: LabelSelector | null;
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
  };
  status?: {
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    expectedPods?: number;
    observedGeneration?: number;
    /** Pods evicted and not yet seen deleted, by name, with the eviction time. */
    disruptedPods?: Record<string, string>;
  };
}

/** corev1.Taint; a node's taints are one list, written whole. */
export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: {
    allocatable?: Quantities;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    nodeInfo?: { kubeletVersion?: string; operatingSystem?: string; containerRuntimeVersion?: string; kernelVersion?: string; osImage?: string };
    addresses?: Array<{ type: string; address: string }>;
  };
}

/** `namespace/name`, how kubectl names pods in its messages. */
export const podName = (pod: Pick<Pod, 'metadata'>): string => `${pod.metadata.namespace}/${pod.metadata.name}`;

/** The managing controller, as metav1.GetControllerOf finds it. */
export function controllerOf(obj: Pick<KubeObject, 'metadata'>): OwnerRef | undefined {
  return (obj.metadata.ownerReferences as OwnerRef[] | undefined)?.find((ref) => ref.controller === true);
}

export const isFinished = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export function isNodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
