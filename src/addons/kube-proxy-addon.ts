/** kube-proxy as an addon of the catalog: kubeadm's objects, at the cluster's own Kubernetes version. */
import type { Cluster } from '../cluster/cluster.js';
import { normalizeKubernetesVersion } from '../config/version.js';
import { UserError, quote } from '../errors.js';
import { imageTagOf } from '../manifests/images.js';
import { PINNED_KUBERNETES_VERSIONS } from '../versions/pinned.js';
import type { AddonDefinition, AddonInput, AddonPlan } from './addon.js';
import { kubeProxyAddon } from './essential.js';
import { KUBE_PROXY } from './kube-proxy.js';
import type { DaemonSet } from './workloads.js';

/** A DaemonSet rolls node by node; five minutes covers a small cluster pulling the image. */
const ROLLOUT_SECONDS = 300;

async function plan(input: AddonInput): Promise<AddonPlan> {
  const version = input.config.cluster.kubernetesVersion;
  const asked = input.settings.version;
  // kubeadm runs kube-proxy at the control plane's version: another one moves with `bosun upgrade apply`, not here.
  if (asked !== undefined && normalizeKubernetesVersion(asked) !== version) {
    throw new UserError({
      what: `${quote(asked)} is not the cluster's Kubernetes version`,
      where: { field: 'version' },
      expected: `${version} or none (kube-proxy runs the control plane's version and moves with bosun upgrade apply)`,
    });
  }
  const objects = kubeProxyAddon(input.config);
  return {
    addon: 'kube-proxy',
    version,
    actions: [
      ...objects.map((object) => ({ action: 'apply' as const, object })),
      {
        action: 'wait-rollout',
        ref: { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: KUBE_PROXY.namespace, name: KUBE_PROXY.name },
        timeoutSeconds: ROLLOUT_SECONDS,
      },
    ],
    notes: [],
    warnings: [],
  };
}

export const kubeProxyAddonDefinition: AddonDefinition = {
  name: 'kube-proxy',
  description: "kube-proxy on Linux nodes as kubeadm installs it: DaemonSet, its ConfigMap (the cluster's KubeProxyConfiguration) and RBAC",
  essential: true,
  versions: PINNED_KUBERNETES_VERSIONS,
  defaultVersion: (kubernetesVersion) => normalizeKubernetesVersion(kubernetesVersion),
  plan,
  async installedVersion(cluster: Cluster) {
    const ds = await cluster.get<DaemonSet>({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: KUBE_PROXY.namespace, name: KUBE_PROXY.name });
    const image = ds?.spec.template.spec.containers.find((c) => c.name === KUBE_PROXY.name)?.image;
    return image === undefined ? undefined : imageTagOf(image);
  },
};
