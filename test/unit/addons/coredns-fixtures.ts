/** What the CoreDNS addon's unit tests share: planning and running on an in-memory cluster, an installed CoreDNS. */
import type { KubeObject } from '../../../src/cluster/cluster.js';
import type { AddonAction, AddonSettings } from '../../../src/addons/addon.js';
import { coreDNSDeployment } from '../../../src/addons/coredns.js';
import { coreDNSAddonDefinition } from '../../../src/addons/coredns-addon/index.js';
import { runPlan } from '../../../src/addons/run-plan.js';
import type { Deployment } from '../../../src/addons/workloads.js';
import { configMap, type ConfigMap } from '../../../src/kube/objects.js';
import { initConfig } from '../upgrade/support.js';
import { manifests } from './addon-support.js';
import type { FakeCluster } from './fake-cluster.js';

export const V137 = initConfig('v1.37.1');

export async function plan(fake: FakeCluster, settings: AddonSettings = {}, cfg = V137) {
  return coreDNSAddonDefinition.plan({ config: cfg, cluster: fake.asCluster(), settings, windowsNodes: false, manifests });
}

export async function install(fake: FakeCluster, settings: AddonSettings = {}) {
  const p = await plan(fake, settings);
  await runPlan(p, { cluster: fake.asCluster(), io: { log: () => undefined }, now: new Date() });
  return p;
}

export const describeAction = (a: AddonAction) =>
  a.action === 'apply'
    ? `apply ${a.object.kind} ${a.object.metadata.name}`
    : a.action === 'delete'
      ? `delete ${a.ref.kind} ${a.ref.name}`
      : `wait ${a.ref.kind} ${a.ref.name}`;

export const KUBEADM_ORDER = [
  'apply ConfigMap coredns',
  'apply ClusterRole system:coredns',
  'apply ClusterRoleBinding system:coredns',
  'apply ServiceAccount coredns',
  'apply Deployment coredns',
  'apply Service kube-dns',
];

/** CoreDNS as an earlier install left it: Deployment at `tag`, ConfigMap with `corefile`, Service kube-dns. */
export function installedCoreDNS(tag: string, corefile: string, edit?: (d: Deployment) => void): KubeObject[] {
  const deployment = coreDNSDeployment({ ...V137.cluster, dns: { imageTag: tag } }, 2);
  edit?.(deployment);
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { clusterIP: '10.96.0.10' } };
  return [deployment, configMap('kube-system', 'coredns', { Corefile: corefile }), service];
}

export const corefileOf = (fake: FakeCluster) => fake.object<ConfigMap>('ConfigMap', 'coredns')?.data;
export const deploymentOf = (fake: FakeCluster) => fake.object<Deployment>('Deployment', 'coredns')!;
