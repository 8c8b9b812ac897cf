import type { Cluster } from '../../cluster/cluster.js';
import { configMap, group } from '../../cluster/objects.js';
import { signConfigMap } from '../../addons/component-config.js';
import { NODES_GROUP, readAccess } from '../../tokens/rbac.js';
import { DEFAULT_TOKEN_GROUP } from '../../tokens/token.js';
import { emitYaml } from '../../util/yaml.js';
import type { Phase } from '../../workflow/phase.js';
import type { InitContext } from '../context.js';

const NAMESPACE = 'kube-system';
/** Joining nodes read both ConfigMaps: with their bootstrap token first, as nodes afterwards (kubeadm's subject orders). */
const tokenAndNodes = () => [group(DEFAULT_TOKEN_GROUP), group(NODES_GROUP)];
const nodesAndToken = () => [group(NODES_GROUP), group(DEFAULT_TOKEN_GROUP)];

async function applyAll(cluster: Cluster, objects: Parameters<Cluster['apply']>[0][]): Promise<void> {
  for (const obj of objects) await cluster.apply(obj);
}

const kubeadmSubphase: Phase<InitContext> = {
  name: 'kubeadm',
  description: 'Upload the kubeadm ClusterConfiguration to a ConfigMap',
  help: 'Writes kube-system/kubeadm-config (key ClusterConfiguration, v1beta4) and the Role and RoleBinding kubeadm:nodes-kubeadm-config that let joining nodes read it.',
  run: async (ctx, io) => {
    io.log(`[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "${NAMESPACE}" Namespace`);
    await applyAll(await ctx.cluster(), [
      configMap(NAMESPACE, 'kubeadm-config', { ClusterConfiguration: emitYaml(ctx.cfg.cluster) }),
      ...readAccess(NAMESPACE, 'kubeadm:nodes-kubeadm-config', 'configmaps', 'kubeadm-config', tokenAndNodes()),
    ]);
  },
};

const kubeletSubphase: Phase<InitContext> = {
  name: 'kubelet',
  description: 'Upload the kubelet component config to a ConfigMap',
  help: 'Writes kube-system/kubelet-config (key kubelet, with the component-config hash annotation) and the Role and RoleBinding kubeadm:kubelet-config that let nodes read it.',
  run: async (ctx, io) => {
    io.log(`[kubelet] Creating a ConfigMap "kubelet-config" in namespace ${NAMESPACE} with the configuration for the kubelets in the cluster`);
    await applyAll(await ctx.cluster(), [
      signConfigMap(configMap(NAMESPACE, 'kubelet-config', { kubelet: emitYaml(ctx.cfg.kubelet) })),
      ...readAccess(NAMESPACE, 'kubeadm:kubelet-config', 'configmaps', 'kubelet-config', nodesAndToken()),
    ]);
  },
};

export const uploadConfigPhase: Phase<InitContext> = {
  name: 'upload-config',
  description: 'Upload the kubeadm and kubelet configuration to a ConfigMap',
  phases: [kubeadmSubphase, kubeletSubphase],
};
