/** CoreDNS's objects as a plan applies them: kubeadm's, with what the cluster already has carried into them. */
import type { KubeObject } from '../../cluster/cluster.js';
import type { ClusterConfiguration } from '../../config/types.js';
import { configMap, type ConfigMap } from '../../kube/objects.js';
import {
  COREDNS,
  coreDNSClusterRole,
  coreDNSClusterRoleBinding,
  coreDNSDeployment,
  coreDNSService,
  coreDNSServiceAccount,
  DEFAULT_COREDNS_REPLICAS,
} from '../coredns.js';
import type { AddonAction } from '../addon.js';
import type { Deployment, Service } from '../workloads.js';
import { coreDNSContainer } from './cluster-dns.js';

export const COREFILE_KEY = 'Corefile';
export const COREFILE_BACKUP_KEY = 'Corefile-backup';

export function corefileConfigMap(data: { corefile: string; backup?: string }): ConfigMap {
  return configMap(COREDNS.namespace, COREDNS.name, {
    [COREFILE_KEY]: data.corefile,
    ...(data.backup !== undefined && { [COREFILE_BACKUP_KEY]: data.backup }),
  });
}

export interface DeploymentChoices {
  /** The Deployment running now, whose replicas, resources and affinity the operator may have set (kubeadm#3033, #995). */
  live?: Deployment;
  /** Replicas when there is no live CoreDNS Deployment (a swap takes kube-dns's count, as kubeadm did). */
  replicas?: number;
  /** The ConfigMap key the pods read as their Corefile: `Corefile-backup` while the old pods roll. */
  corefileKey?: string;
  /** Another image (the running one, for the old pods' roll onto the backup). */
  image?: string;
}

/** kubeadm's Deployment with the operator's replicas, container resources and affinity kept, reading `corefileKey`. */
export function coreDNSDeploymentFor(cluster: ClusterConfiguration, choices: DeploymentChoices): Deployment {
  const { live } = choices;
  const deployment = coreDNSDeployment(cluster, live?.spec?.replicas ?? choices.replicas ?? DEFAULT_COREDNS_REPLICAS);
  const pod = deployment.spec.template.spec;
  const liveContainer = live && coreDNSContainer(live);
  pod.affinity = live?.spec?.template?.spec?.affinity ?? pod.affinity;
  pod.containers = pod.containers.map((c) => ({ ...c, image: choices.image ?? c.image, resources: liveContainer?.resources ?? c.resources }));
  const key = choices.corefileKey ?? COREFILE_KEY;
  pod.volumes = pod.volumes?.map((v) => ('configMap' in v ? { ...v, configMap: { ...v.configMap, items: [{ key, path: COREFILE_KEY }] } } : v));
  return deployment;
}

/** Service kube-dns keeps the address it has (a ClusterIP cannot change; kube-dns's is every pod's nameserver). */
export function coreDNSServiceFor(cluster: ClusterConfiguration, live: Service | undefined): Service {
  const service = coreDNSService(cluster);
  const clusterIP = live?.spec?.clusterIP;
  return clusterIP ? { ...service, spec: { ...service.spec, clusterIP } } : service;
}

const apply = (object: KubeObject): AddonAction => ({ action: 'apply', object });

/** kubeadm's apply order: ConfigMap, ClusterRole, ClusterRoleBinding, ServiceAccount, Deployment, Service. */
export function coreDNSApplies(configMapObject: ConfigMap, deployment: Deployment, service: Service): AddonAction[] {
  return [configMapObject, coreDNSClusterRole(), coreDNSClusterRoleBinding(), coreDNSServiceAccount(), deployment, service].map(apply);
}
