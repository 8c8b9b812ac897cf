import { signConfigMap } from '../../addons/component-config.js';
import type { KubeObject } from '../../cluster/cluster.js';
import { configMap, group } from '../../cluster/objects.js';
import { NODES_GROUP, readAccess } from '../../tokens/rbac.js';
import { DEFAULT_TOKEN_GROUP } from '../../tokens/token.js';
import { emitYaml } from '../../util/yaml.js';
import type { Phase } from '../../workflow/phase.js';
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
        await applyAll(ctx, [
          configMap(NAMESPACE, 'kubeadm-config', { ClusterConfiguration: emitYaml(cfg.cluster) }),
          ...readAccess(NAMESPACE, 'kubeadm:nodes-kubeadm-config', 'configmaps', 'kubeadm-config', [group(DEFAULT_TOKEN_GROUP), group(NODES_GROUP)]),
        ]);
      },
    },
    {
      name: 'kubelet',
      description: 'Upload the kubelet configuration to a ConfigMap',
      help: 'Writes kube-system/kubelet-config (key kubelet, with the component-config hash annotation) and the RBAC that lets nodes read it.',
      run: async (ctx, io) => {
        io.log(`[upload-config] Storing the kubelet configuration in ConfigMap "kubelet-config" in the "${NAMESPACE}" Namespace`);
        const cfg = await ctx.config();
        await applyAll(ctx, [
          signConfigMap(configMap(NAMESPACE, 'kubelet-config', { kubelet: emitYaml(cfg.kubelet) })),
          ...readAccess(NAMESPACE, 'kubeadm:kubelet-config', 'configmaps', 'kubelet-config', [group(NODES_GROUP), group(DEFAULT_TOKEN_GROUP)]),
        ]);
      },
    },
  ],
};
