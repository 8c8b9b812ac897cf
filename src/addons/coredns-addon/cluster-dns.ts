/** What a cluster runs for DNS, read before CoreDNS is planned: the DNS Deployments, their ConfigMaps, Service kube-dns. */
import type { Cluster, ObjectRef } from '../../cluster/cluster.js';
import { UserError } from '../../errors.js';
import type { ConfigMap } from '../../kube/objects.js';
import { imageTagOf } from '../../manifests/images.js';
import { COREDNS } from '../coredns.js';
import { KUBE_DNS_CONFIGMAP } from '../kube-dns.js';
import type { Container, Deployment, Service } from '../workloads.js';

export interface ClusterDNS {
  /** Deployment kube-system/coredns. */
  coreDNS?: Deployment;
  /** Deployment kube-system/kube-dns running kube-dns (image k8s-dns-kube-dns): the one a swap replaces. */
  kubeDNS?: Deployment;
  /** ConfigMap kube-system/coredns's data. */
  corefileData?: Record<string, string>;
  /** ConfigMap kube-system/kube-dns's data (stubDomains, upstreamNameservers, federations). */
  kubeDNSData?: Record<string, string>;
  service?: Service;
}

export const KUBE_DNS_DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: COREDNS.namespace, name: 'kube-dns' } as const satisfies ObjectRef;
export const COREDNS_DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: COREDNS.namespace, name: COREDNS.name } as const satisfies ObjectRef;
const SELECTOR = `k8s-app=${COREDNS.label['k8s-app']}`;

const containers = (d: Deployment): Container[] => d.spec?.template?.spec?.containers ?? [];
const isKubeDNS = (d: Deployment) => d.metadata.name === KUBE_DNS_DEPLOYMENT.name && containers(d).some((c) => c.image?.includes('k8s-dns-kube-dns'));

/** The CoreDNS container of a Deployment (kubeadm names it `coredns`; the first container otherwise). */
export function coreDNSContainer(d: Deployment): Container | undefined {
  return containers(d).find((c) => c.name === 'coredns') ?? containers(d)[0];
}

/** The image tag the CoreDNS Deployment runs. */
export function runningTag(d: Deployment): string | undefined {
  const image = coreDNSContainer(d)?.image;
  return image ? imageTagOf(image) : undefined;
}

/**
 * bosun takes over Deployment coredns, and Deployment kube-dns running kube-dns (both at once: a swap that was
 * interrupted). Any other DNS Deployment (label k8s-app=kube-dns) is not bosun's to replace: refused, naming them.
 */
function classify(deployments: Deployment[]): Pick<ClusterDNS, 'coreDNS' | 'kubeDNS'> {
  const coreDNS = deployments.find((d) => d.metadata.name === COREDNS.name);
  const kubeDNS = deployments.find(isKubeDNS);
  const others = deployments.filter((d) => d !== coreDNS && d !== kubeDNS);
  if (others.length > 0) {
    const names = deployments.map(
      (d) =>
        `${d.metadata.name} (${containers(d)
          .map((c) => c.image)
          .join(', ')})`,
    );
    throw new UserError({
      what: `${deployments.length > 1 ? 'more than one DNS Deployment' : 'a DNS Deployment bosun does not manage'} (label ${SELECTOR}): ${names.join(', ')}`,
      where: { object: `Deployments in ${COREDNS.namespace}` },
      expected: `Deployment ${COREDNS.name} (CoreDNS), Deployment ${KUBE_DNS_DEPLOYMENT.name} running kube-dns (replaced by CoreDNS), or both`,
    });
  }
  return { coreDNS, kubeDNS };
}

const configMapRef = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: COREDNS.namespace, name });

export async function readClusterDNS(cluster: Cluster): Promise<ClusterDNS> {
  const [deployments, corefile, kubeDNSConfig, service] = await Promise.all([
    cluster.list<Deployment>('apps/v1', 'Deployment', { namespace: COREDNS.namespace, labelSelector: SELECTOR }),
    cluster.get<ConfigMap>(configMapRef(COREDNS.name)),
    cluster.get<ConfigMap>(configMapRef(KUBE_DNS_CONFIGMAP.name)),
    cluster.get<Service>({ apiVersion: 'v1', kind: 'Service', namespace: COREDNS.namespace, name: COREDNS.service }),
  ]);
  return { ...classify(deployments), corefileData: corefile?.data, kubeDNSData: kubeDNSConfig?.data, service };
}
