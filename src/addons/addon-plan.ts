/** What the CNI and DNS-cache addons share in making their plans: the version asked for, the pod subnet, the apply order. */
import type { Cluster, KubeObject, ObjectRef } from '../cluster/cluster.js';
import { UserError } from '../errors.js';
import { parseCIDR } from '../config/net.js';
import type { AddonAction, AddonInput } from './addon.js';
import type { DaemonSet, Deployment } from './workloads.js';

/** `settings.version` when bosun has manifests for it, else the default; an unknown version is refused, listing the known ones. */
export function chosenVersion(addon: string, versions: readonly string[], input: AddonInput, fallback: string): string {
  const asked = input.settings.version;
  if (asked === undefined) return fallback;
  if (!versions.includes(asked)) throw new UserError(`addon ${addon}: --version ${asked}: bosun has manifests for ${versions.join(', ')}`);
  return asked;
}

/** The cluster's pod subnets by family; a CNI without one has no addresses to give pods and is refused before any change. */
export function podSubnets(addon: string, input: AddonInput): { ipv4?: string; ipv6?: string } {
  const podSubnet = input.config.cluster.networking.podSubnet;
  if (!podSubnet) {
    throw new UserError(
      `addon ${addon} needs the cluster's pod subnet: networking.podSubnet is not set (kubeadm: --pod-network-cidr), so nodes have no podCIDR to give pods`,
    );
  }
  const cidrs = podSubnet.split(',').map((s) => s.trim());
  return { ipv4: cidrs.find((c) => parseCIDR(c)?.family === 4), ipv6: cidrs.find((c) => parseCIDR(c)?.family === 6) };
}

/** The tag of an image reference (`registry:5000/repo/name:v1.2` gives `v1.2`; a digest or no tag gives undefined). */
export function imageTag(image: string | undefined): string | undefined {
  if (!image || image.includes('@')) return undefined;
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? image.slice(colon + 1) : undefined;
}

/** The image tag of a container of a DaemonSet or Deployment in the cluster; undefined when it is not there. */
export async function workloadImageTag(cluster: Cluster, ref: ObjectRef, container: string): Promise<string | undefined> {
  const workload = await cluster.get<DaemonSet | Deployment>(ref);
  return imageTag(workload?.spec.template.spec.containers.find((c) => c.name === container)?.image);
}

/**
 * Apply order on a live API server: what others live in or are typed by (Namespaces, CRDs), then identities and
 * access, configuration, workloads and Services; custom resources last, after their CRDs are Established (until
 * then the API answers 404 for their kind). Within a rank the manifest's own order is kept.
 */
const RANK: Readonly<Record<string, number>> = {
  Namespace: 0,
  CustomResourceDefinition: 0,
  ServiceAccount: 1,
  ClusterRole: 1,
  ClusterRoleBinding: 1,
  Role: 1,
  RoleBinding: 1,
  ConfigMap: 2,
  Secret: 2,
  DaemonSet: 3,
  Deployment: 3,
  Service: 3,
};
const CUSTOM = 4;
const ESTABLISH_SECONDS = 60;

const rankOf = (o: KubeObject) => RANK[o.kind] ?? CUSTOM;

export function applyActions(objects: readonly KubeObject[]): AddonAction[] {
  const ordered = objects.map((object, i) => ({ object, i })).sort((a, b) => rankOf(a.object) - rankOf(b.object) || a.i - b.i);
  const actions: AddonAction[] = [];
  for (const { object } of ordered) {
    if (rankOf(object) === CUSTOM && !actions.some((a) => a.action === 'wait-established')) actions.push(...establishedWaits(objects));
    actions.push({ action: 'apply', object });
  }
  return actions;
}

/** A wait for each CRD that types a custom resource among the objects. */
function establishedWaits(objects: readonly KubeObject[]): AddonAction[] {
  const used = new Set(objects.filter((o) => rankOf(o) === CUSTOM).map((o) => `${o.kind}.${o.apiVersion.split('/')[0]}`));
  return objects
    .filter((o) => o.kind === 'CustomResourceDefinition')
    .filter((crd) => {
      const spec = crd.spec as { group: string; names: { kind: string } };
      return used.has(`${spec.names.kind}.${spec.group}`);
    })
    .map((crd) => ({ action: 'wait-established', ref: refOf(crd), timeoutSeconds: ESTABLISH_SECONDS }));
}

export function refOf(o: KubeObject): ObjectRef {
  return { apiVersion: o.apiVersion, kind: o.kind, ...(o.metadata.namespace && { namespace: o.metadata.namespace }), name: o.metadata.name };
}
