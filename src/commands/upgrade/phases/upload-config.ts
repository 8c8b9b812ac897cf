import { kubeadmConfigObjects, kubeletConfigObjects } from '../../../config/uploaded.js';
import type { InitConfig } from '../../../config/types.js';
import type { KubeObject } from '../../../cluster/cluster.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
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

/** A sub-phase's run: say which ConfigMap it stores, as kubeadm does, then apply the objects of the configuration. */
const storing =
  (configMap: string, what: string, objects: (cfg: InitConfig) => KubeObject[]) =>
  async (ctx: UpgradeContext, io: PhaseIO): Promise<void> => {
    io.log(`[upload-config] Storing ${what} in ConfigMap "${configMap}" in the "${NAMESPACE}" Namespace`);
    await applyAll(ctx, objects(await ctx.config()));
  };

export const uploadConfigPhase: Phase<UpgradeContext> = {
  name: 'upload-config',
  description: 'Upload the kubeadm and kubelet configurations to ConfigMaps',
  phases: [
    {
      name: 'kubeadm',
      description: 'Upload the kubeadm ClusterConfiguration to a ConfigMap',
      help: 'Writes kube-system/kubeadm-config (key ClusterConfiguration, v1beta4) at the new version, and the RBAC that lets nodes read it.',
      run: storing('kubeadm-config', 'the configuration used', (cfg) => kubeadmConfigObjects(cfg.cluster)),
    },
    {
      name: 'kubelet',
      description: 'Upload the kubelet configuration to a ConfigMap',
      help: 'Writes kube-system/kubelet-config (key kubelet, with the component-config hash annotation) and the RBAC that lets nodes read it.',
      run: storing('kubelet-config', 'the kubelet configuration', (cfg) => kubeletConfigObjects(cfg.kubelet)),
    },
  ],
};
