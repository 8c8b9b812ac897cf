/**
 * Catalog entries whose own definitions are not in this tree yet: CoreDNS as the essential objects alone (no kube-dns
 * swap, no Corefile migration), and the CNI and DNS-cache addons as names that refuse to plan. Each is replaced by
 * the addon's own definition, one catalog line each.
 */
import type { Cluster } from '../cluster/cluster.js';
import { UserError } from '../errors.js';
import { imageTagOf } from '../manifests/images.js';
import type { AddonDefinition } from './addon.js';
import { COREDNS, COREDNS_VERSIONS, coreDNSImage, coreDNSVersion } from './coredns.js';
import { coreDNSAddon } from './essential.js';
import type { Deployment } from './workloads.js';

export const coreDNSAddonDefinition: AddonDefinition = {
  name: 'coredns',
  description: 'CoreDNS as kubeadm installs it: Deployment coredns, Service kube-dns, its Corefile and RBAC',
  essential: true,
  versions: [...new Set(Object.values(COREDNS_VERSIONS))],
  defaultVersion: coreDNSVersion,
  async plan(input) {
    const { objects, keptCorefile } = await coreDNSAddon(input.cluster, input.config.cluster);
    return {
      addon: 'coredns',
      version: imageTagOf(coreDNSImage(input.config.cluster)),
      actions: objects.map((object) => ({ action: 'apply', object })),
      notes: keptCorefile ? [`Keeping the existing Corefile of ConfigMap ${COREDNS.namespace}/${COREDNS.name}`] : [],
      warnings: [],
    };
  },
  async installedVersion(cluster: Cluster) {
    const [deployment] = await cluster.list<Deployment>('apps/v1', 'Deployment', { namespace: COREDNS.namespace, labelSelector: 'k8s-app=kube-dns' });
    const image = deployment?.spec.template.spec.containers[0]?.image;
    return image === undefined ? undefined : imageTagOf(image);
  },
};

export function pendingAddon(name: string, description: string): AddonDefinition {
  return {
    name,
    description,
    essential: false,
    versions: [],
    defaultVersion: () => '-',
    plan: async () => {
      throw new UserError({ what: `addon ${name} is not available in this build of bosun`, where: { object: name } });
    },
    installedVersion: async () => undefined,
  };
}
