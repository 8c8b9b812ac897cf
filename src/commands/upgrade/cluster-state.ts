/** What an upgrade reads from the cluster before it decides anything: versions, nodes, configuration. */
import type { Cluster, KubeObject } from '../../cluster/cluster.js';
import type { ConfigMap } from '../../kube/objects.js';
import type { Node, Pod } from '../../kube/workloads.js';
import { readStoredConfigTexts, withClusterText, type StoredConfigTexts } from '../../config/stored.js';
import { COREDNS } from '../../addons/coredns.js';
import { KUBE_PROXY } from '../../addons/kube-proxy.js';
import { UserError } from '../../errors.js';
import { CONFIG_HASH_ANNOTATION, CONTROL_PLANE_LABEL } from '../../kube/labels.js';
import { imageTagOf } from '../../manifests/images.js';
import { STATIC_POD_COMPONENTS, type StaticPodComponent } from '../../node/static-pods.js';

export type { StaticPodComponent } from '../../node/static-pods.js';

export const NAMESPACE = 'kube-system';

/** One control-plane static Pod as its mirror Pod shows it. */
export interface StaticPodStatus {
  component: StaticPodComponent;
  node: string;
  image: string;
  /** The image tag: `v1.37.1` for Kubernetes components, `3.6.8-0` for etcd. */
  version: string;
  hash?: string;
  ready: boolean;
}

export interface NodeStatus {
  name: string;
  controlPlane: boolean;
  kubeletVersion: string;
  ready: boolean;
  unschedulable: boolean;
}

export interface AddonStatus {
  image: string;
  version: string;
}

export interface ClusterState {
  /** What the API server reports (`/version`): the cluster's version. */
  apiServerVersion: string;
  configTexts: StoredConfigTexts;
  staticPods: StaticPodStatus[];
  nodes: NodeStatus[];
  coreDNS?: AddonStatus;
  /** ConfigMap coredns's Corefile: what a CoreDNS version change keeps, replaces or migrates. */
  coreDNSCorefile?: string;
  /** Deployment kube-dns (its kubedns container), on a cluster the upgrade swaps to CoreDNS. */
  kubeDNS?: AddonStatus;
  kubeProxy?: AddonStatus;
}

interface WorkloadObject extends KubeObject {
  spec?: { template?: { spec?: { containers?: Array<{ name: string; image: string }> } } };
}

const conditionTrue = (obj: { status?: { conditions?: Array<{ type: string; status: string }> } } | undefined, type: string) =>
  obj?.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

const isPodReady = (pod: Pod | undefined) => conditionTrue(pod, 'Ready');

export function staticPodStatus(pod: Pod): StaticPodStatus | undefined {
  const component = STATIC_POD_COMPONENTS.find((c) => c === pod.metadata.labels?.component);
  const image = pod.spec?.containers?.[0]?.image;
  if (!component || !image || !pod.spec?.nodeName) return undefined;
  return {
    component,
    node: pod.spec.nodeName,
    image,
    version: imageTagOf(image),
    hash: pod.metadata.annotations?.[CONFIG_HASH_ANNOTATION],
    ready: isPodReady(pod),
  };
}

function nodeStatus(node: Node): NodeStatus {
  return {
    name: node.metadata.name,
    controlPlane: node.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined,
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion ?? '',
    ready: conditionTrue(node, 'Ready'),
    unschedulable: node.spec?.unschedulable ?? false,
  };
}

function addonStatus(obj: WorkloadObject | undefined, container: string): AddonStatus | undefined {
  const image = obj?.spec?.template?.spec?.containers?.find((c) => c.name === container)?.image;
  return image ? { image, version: imageTagOf(image) } : undefined;
}

/** The control-plane mirror Pods (label tier=control-plane in kube-system). */
export async function readStaticPods(cluster: Cluster): Promise<StaticPodStatus[]> {
  const pods = await cluster.list<Pod>('v1', 'Pod', { namespace: NAMESPACE, labelSelector: 'tier=control-plane' });
  return pods.flatMap((p) => staticPodStatus(p) ?? []).sort((a, b) => a.node.localeCompare(b.node) || a.component.localeCompare(b.component));
}

/** Reads everything the plan and the preflight checks look at, in parallel. */
export async function readClusterState(cluster: Cluster): Promise<ClusterState> {
  const [version, texts, staticPods, nodes, coreDNS, kubeProxy, coreDNSConfig, kubeDNS] = await Promise.all([
    cluster.raw('/version'),
    readStoredConfigTexts(cluster),
    readStaticPods(cluster),
    cluster.list<Node>('v1', 'Node'),
    cluster.get<WorkloadObject>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: COREDNS.namespace, name: COREDNS.name }),
    cluster.get<WorkloadObject>({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: KUBE_PROXY.namespace, name: KUBE_PROXY.name }),
    cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: COREDNS.namespace, name: COREDNS.name }),
    cluster.get<WorkloadObject>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: COREDNS.namespace, name: 'kube-dns' }),
  ]);
  let apiServerVersion: string | undefined;
  try {
    apiServerVersion = (JSON.parse(version.body) as { gitVersion?: string }).gitVersion;
  } catch {
    // reported below
  }
  // The version first: with no API server there (a dry run reads that as nothing found), it is the real cause.
  if (version.status !== 200 || !apiServerVersion) {
    throw new UserError(`the API server did not report its version (GET /version answered ${version.status}: ${version.body.slice(0, 200)})`);
  }
  return {
    apiServerVersion,
    configTexts: withClusterText(texts),
    staticPods,
    nodes: nodes.map(nodeStatus).sort((a, b) => Number(b.controlPlane) - Number(a.controlPlane) || a.name.localeCompare(b.name)),
    coreDNS: addonStatus(coreDNS, 'coredns'),
    coreDNSCorefile: coreDNSConfig?.data?.Corefile,
    kubeDNS: addonStatus(kubeDNS, 'kubedns'),
    kubeProxy: addonStatus(kubeProxy, KUBE_PROXY.name),
  };
}
