import { MANIFESTS_DIR } from '../../../kube/paths.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { StaticPodComponent } from '../cluster-state.js';
import type { UpgradeContext } from '../context.js';
import { desiredStaticPods, upgradeStaticPod } from '../static-pod.js';

async function upgradeComponent(ctx: UpgradeContext, io: PhaseIO, component: StaticPodComponent): Promise<void> {
  if (!(await ctx.node()).controlPlane) return;
  const cfg = await ctx.config();
  if (component === 'etcd' && !cfg.cluster.etcd.local) return io.log('[upgrade/etcd] External etcd: nothing to upgrade on this node');
  if (component === 'etcd' && !ctx.options.etcdUpgrade) return io.log('[upgrade/etcd] Skipping the etcd upgrade (--etcd-upgrade=false)');
  const desired = (await desiredStaticPods(ctx)).find((d) => d.component === component)!;
  await upgradeStaticPod(ctx, io, desired);
}

const subphase = (name: string, component: StaticPodComponent, description: string): Phase<UpgradeContext> => ({
  name,
  description,
  run: (ctx, io) => upgradeComponent(ctx, io, component),
});

export const controlPlanePhase: Phase<UpgradeContext> = {
  name: 'control-plane',
  description: 'Upgrade the control plane',
  help:
    `For etcd, then kube-apiserver, kube-controller-manager and kube-scheduler: skip if the manifest would not change; ` +
    `back up the manifest (and etcd's data) under /etc/kubernetes/tmp; renew the component's certificates ` +
    `(--certificate-renewal=false skips); write the new manifest to ${MANIFESTS_DIR}; wait for the kubelet to run it ` +
    `(mirror Pod config hash) and for the component to be healthy; on failure restore every manifest this run changed.`,
  run: async (ctx, io) => {
    const node = await ctx.node();
    if (!node.controlPlane) return io.log('[upgrade/control-plane] Skipping phase. Not a control plane node.');
    io.log(`[upgrade/control-plane] Upgrading the control plane of node ${node.name} to ${await ctx.target()}`);
  },
  phases: [
    subphase('etcd', 'etcd', 'Upgrade the local etcd member'),
    subphase('apiserver', 'kube-apiserver', 'Upgrade kube-apiserver'),
    subphase('controller-manager', 'kube-controller-manager', 'Upgrade kube-controller-manager'),
    subphase('scheduler', 'kube-scheduler', 'Upgrade kube-scheduler'),
  ],
};
