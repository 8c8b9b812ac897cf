/**
 * The CoreDNS addon: kubeadm's objects on a cluster without DNS, the kube-dns → CoreDNS swap on one that runs
 * kube-dns, and a version change that keeps the operator's Corefile (default replaced, customised migrated) and
 * their replicas, resources and affinity. `bosun init`, `bosun upgrade apply` and `bosun addon` plan with it.
 */
import type { Cluster } from '../../cluster/cluster.js';
import type { ClusterConfiguration } from '../../config/types.js';
import { quote, UserError } from '../../errors.js';
import { imageTagOf } from '../../manifests/images.js';
import type { AddonDefinition, AddonInput, AddonPlan } from '../addon.js';
import { coreDNSImage, coreDNSVersion, COREDNS_VERSIONS } from '../coredns.js';
import type { Deployment } from '../workloads.js';
import { COREDNS_DEPLOYMENT, readClusterDNS, runningTag } from './cluster-dns.js';
import { installOrUpgrade } from './install.js';
import { swapFromKubeDNS } from './swap.js';

const VERSIONS: readonly string[] = [...new Set(Object.values(COREDNS_VERSIONS))];

/** The cluster configuration with the CoreDNS version asked for (`--version`, with or without its `v`). */
function withVersion(cluster: ClusterConfiguration, version: string | undefined): ClusterConfiguration {
  if (version === undefined) return cluster;
  const tag = version.startsWith('v') ? version : `v${version}`;
  if (!VERSIONS.includes(tag))
    throw new UserError({ what: `CoreDNS version ${quote(version)} is not one bosun installs`, where: { flag: '--version' }, expected: VERSIONS.join(', ') });
  return { ...cluster, dns: { ...cluster.dns, imageTag: tag } };
}

async function planCoreDNS(input: AddonInput): Promise<AddonPlan> {
  const cluster = withVersion(input.config.cluster, input.settings.version);
  const to = imageTagOf(coreDNSImage(cluster));
  const dns = await readClusterDNS(input.cluster);
  const body = dns.kubeDNS ? swapFromKubeDNS(cluster, dns, to, input.settings) : installOrUpgrade(cluster, dns, to, input.settings);
  return { addon: 'coredns', version: to, ...body };
}

export const coreDNSAddonDefinition: AddonDefinition = {
  name: 'coredns',
  description: 'CoreDNS, the cluster DNS behind Service kube-dns (replaces kube-dns; keeps the Corefile across versions)',
  essential: true,
  versions: VERSIONS,
  defaultVersion: coreDNSVersion,
  plan: planCoreDNS,
  async installedVersion(cluster: Cluster): Promise<string | undefined> {
    const coreDNS = await cluster.get<Deployment>(COREDNS_DEPLOYMENT);
    return coreDNS && runningTag(coreDNS);
  },
};
