import { COREDNS } from '../../../addons/coredns.js';
import { coreDNSAddon, kubeProxyAddon } from '../../../addons/essential.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import { readStaticPods } from '../cluster-state.js';
import type { UpgradeContext } from '../context.js';
import { applyAll } from './upload-config.js';

/**
 * Addons move only once every API server runs the target version (kubeadm's rule): a newer kube-proxy or
 * CoreDNS must not talk to an older API server. Says why when it is not yet the case.
 */
async function notYet(ctx: UpgradeContext, io: PhaseIO, addon: string): Promise<boolean> {
  if (!(await ctx.node()).controlPlane) {
    io.log(`[upgrade/addon] Skipping the addon/${addon} phase. Not a control plane node.`);
    return true;
  }
  const target = await ctx.target();
  const behind = (await readStaticPods(await ctx.cluster())).filter((p) => p.component === 'kube-apiserver' && p.version !== target);
  if (!behind.length) return false;
  io.log(
    `[upgrade/addon] Skipping the addon/${addon} phase. Not all control plane instances have been upgraded: ${behind.map((p) => `${p.node} runs ${p.version}`).join(', ')}`,
  );
  return true;
}

async function upgradeCoreDNS(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  const cfg = (await ctx.config()).cluster;
  if (cfg.dns.disabled) return io.log('[upgrade/addon] Skipping CoreDNS: dns.disabled is set');
  if (await notYet(ctx, io, 'coredns')) return;
  const { objects, keptCorefile } = await coreDNSAddon(await ctx.cluster(), cfg);
  if (keptCorefile) io.log(`[upgrade/addon] Keeping the Corefile of ConfigMap ${COREDNS.namespace}/${COREDNS.name}`);
  await applyAll(ctx, objects);
  io.log('[addons] Applied essential addon: CoreDNS');
}

async function upgradeKubeProxy(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  const cfg = await ctx.config();
  if (cfg.cluster.proxy.disabled) return io.log('[upgrade/addon] Skipping kube-proxy: proxy.disabled is set');
  if (await notYet(ctx, io, 'kube-proxy')) return;
  await applyAll(ctx, kubeProxyAddon(cfg));
  io.log('[addons] Applied essential addon: kube-proxy');
}

export const addonPhase: Phase<UpgradeContext> = {
  name: 'addon',
  description: 'Upgrade the default kubeadm addons',
  help: 'Once every API server runs the target version: CoreDNS (its Corefile kept, its replica count kept) and kube-proxy at the new images.',
  phases: [
    { name: 'coredns', description: 'Upgrade the CoreDNS addon', run: upgradeCoreDNS },
    { name: 'kube-proxy', description: 'Upgrade the kube-proxy addon', run: upgradeKubeProxy },
  ],
};
