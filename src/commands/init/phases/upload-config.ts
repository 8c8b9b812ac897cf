import { kubeadmConfigObjects, kubeletConfigObjects, UPLOADED_CONFIG_NAMESPACE } from '../../../config/uploaded.js';
import type { KubeObject } from '../../../cluster/cluster.js';
import type { Phase } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

async function applyAll(ctx: InitContext, objects: KubeObject[]): Promise<void> {
  const cluster = await ctx.cluster();
  for (const obj of objects) await cluster.apply(obj);
}

const kubeadmSubphase: Phase<InitContext> = {
  name: 'kubeadm',
  description: 'Upload the kubeadm ClusterConfiguration to a ConfigMap',
  help: 'Writes kube-system/kubeadm-config (key ClusterConfiguration, v1beta4) and the Role and RoleBinding kubeadm:nodes-kubeadm-config that let joining nodes read it.',
  run: async (ctx, io) => {
    io.log(`[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "${UPLOADED_CONFIG_NAMESPACE}" Namespace`);
    await applyAll(ctx, kubeadmConfigObjects(ctx.cfg.cluster));
  },
};

const kubeletSubphase: Phase<InitContext> = {
  name: 'kubelet',
  description: 'Upload the kubelet component config to a ConfigMap',
  help: 'Writes kube-system/kubelet-config (key kubelet, with the component-config hash annotation) and the Role and RoleBinding kubeadm:kubelet-config that let nodes read it.',
  run: async (ctx, io) => {
    io.log(`[kubelet] Creating a ConfigMap "kubelet-config" in namespace ${UPLOADED_CONFIG_NAMESPACE} with the configuration for the kubelets in the cluster`);
    await applyAll(ctx, kubeletConfigObjects(ctx.cfg.kubelet));
  },
};

export const uploadConfigPhase: Phase<InitContext> = {
  name: 'upload-config',
  description: 'Upload the kubeadm and kubelet configuration to a ConfigMap',
  phases: [kubeadmSubphase, kubeletSubphase],
};
