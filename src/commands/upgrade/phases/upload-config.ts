import { kubeadmConfigObjects, kubeletConfigObjects } from '../../../config/uploaded.js';
import type { KubeObject } from '../../../cluster/cluster.js';
import type { Phase } from '../../../workflow/phase.js';
import { NAMESPACE } from '../cluster-state.js';
import type { UpgradeContext } from '../context.js';

/**
 * The upgrade takes over what it writes (kubeadm or an earlier bosun may have written these objects): its
 * applies force conflicts, as kubeadm's updates overwrite.
 */
export async function applyAll(ctx: UpgradeContext, objects: KubeObject[]): Promise<void> {
  const cluster = await ctx.cluster();
  for (const obj of objects) await cluster.apply(obj, { force: true });
}

export const uploadConfigPhase: Phase<UpgradeContext> = {
  name: 'upload-config',
  description: 'Upload the kubeadm and kubelet configurations to ConfigMaps',
  phases: [
    {
      name: 'kubeadm',
      description: 'Upload the kubeadm ClusterConfiguration to a ConfigMap',
      help: 'Writes kube-system/kubeadm-config (key ClusterConfiguration, v1beta4) at the new version, and the RBAC that lets nodes read it.',
      run: async (ctx, io) => {
        io.log(`[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "${NAMESPACE}" Namespace`);
        const cfg = await ctx.config();
        await applyAll(ctx, kubeadmConfigObjects(cfg.cluster));
      },
    },
    {
      name: 'kubelet',
      description: 'Upload the kubelet configuration to a ConfigMap',
      help: 'Writes kube-system/kubelet-config (key kubelet, with the component-config hash annotation) and the RBAC that lets nodes read it.',
      run: async (ctx, io) => {
        io.log(`[upload-config] Storing the kubelet configuration in ConfigMap "kubelet-config" in the "${NAMESPACE}" Namespace`);
        const cfg = await ctx.config();
        await applyAll(ctx, kubeletConfigObjects(cfg.kubelet));
      },
    },
  ],
};
