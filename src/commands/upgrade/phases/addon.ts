import type { AddonDefinition, AddonSettings } from '../../../addons/addon.js';
import { clusterAddonInput } from '../../../addons/cluster-input.js';
import { coreDNSAddonDefinition } from '../../../addons/coredns-addon/index.js';
import { kubeProxyAddonDefinition } from '../../../addons/kube-proxy-addon.js';
import { flannelAddon } from '../../../addons/flannel/index.js';
import { FLANNEL_WINDOWS_DAEMON_SET } from '../../../addons/flannel/windows.js';
import { kubeProxyWindowsAddon } from '../../../addons/kube-proxy-windows.js';
import { readAddonRecords } from '../../../addons/record.js';
import { KUBE_PROXY_WINDOWS } from '../../../addons/windows.js';
import { runPlanQuietly } from '../../../addons/run-plan.js';
import { DirManifestSource } from '../../../host/manifest-source.js';
import { systemClock } from '../../../workflow/doors.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import { readStaticPods } from '../cluster-state.js';
import type { UpgradeContext } from '../context.js';

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

/** kubeadm's way to go on with a Corefile the migration cannot carry: ignoring its CoreDNSMigration preflight check. */
function coreDNSSettings(ctx: UpgradeContext): AddonSettings {
  const ignored = ctx.options.ignorePreflightErrors;
  return { skipCorefileMigration: ignored.has('all') || ignored.has('corednsmigration') };
}

/** Plans the addon at the target version and runs the plan through the addon engine, which records it. */
async function upgradeAddon(ctx: UpgradeContext, io: PhaseIO, addon: AddonDefinition, settings: AddonSettings): Promise<void> {
  const cluster = await ctx.cluster();
  const plan = await addon.plan(await clusterAddonInput(cluster, await ctx.config(), settings, new DirManifestSource()));
  await runPlanQuietly(plan, cluster, (line) => io.log(line), '[upgrade/addon]', systemClock.now());
}

async function upgradeCoreDNS(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  const config = await ctx.config();
  if (config.cluster.dns.disabled) return io.log('[upgrade/addon] Skipping CoreDNS: dns.disabled is set');
  if (await notYet(ctx, io, 'coredns')) return;
  await upgradeAddon(ctx, io, coreDNSAddonDefinition, coreDNSSettings(ctx));
  io.log('[addons] Applied essential addon: CoreDNS');
}

async function upgradeKubeProxy(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  const cfg = await ctx.config();
  if (cfg.cluster.proxy.disabled) return io.log('[upgrade/addon] Skipping kube-proxy: proxy.disabled is set');
  if (await notYet(ctx, io, 'kube-proxy')) return;
  await upgradeAddon(ctx, io, kubeProxyAddonDefinition, {});
  io.log('[addons] Applied essential addon: kube-proxy');
}

const WINDOWS_DAEMON_SETS = { flannel: FLANNEL_WINDOWS_DAEMON_SET, kubeProxy: KUBE_PROXY_WINDOWS.name };

/**
 * The Windows DaemonSets bosun installed move with the control plane (kube-proxy-windows runs the cluster's
 * Kubernetes version, and both take the API endpoint and Service subnet from its configuration): installed with
 * Flannel (`--windows`, or a cluster with Windows nodes), Flannel's plan at its installed version applies them;
 * installed on their own (Calico), the kube-proxy-windows addon's. What bosun did not install is left alone.
 */
async function upgradeWindows(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  if (await notYet(ctx, io, 'windows')) return;
  const records = await readAddonRecords(await ctx.cluster());
  const flannel = records.get(flannelAddon.name);
  if (flannel?.objects.some((ref) => ref.kind === 'DaemonSet' && ref.name === WINDOWS_DAEMON_SETS.flannel)) {
    await upgradeAddon(ctx, io, flannelAddon, { version: flannel.version, windows: true });
    return io.log(`[upgrade/addon] Applied the Windows DaemonSets of flannel ${flannel.version} and kube-proxy ${await ctx.target()}`);
  }
  if (records.has(kubeProxyWindowsAddon.name)) {
    await upgradeAddon(ctx, io, kubeProxyWindowsAddon, {});
    return io.log(`[upgrade/addon] Applied addon: ${kubeProxyWindowsAddon.name} ${await ctx.target()}`);
  }
  io.log(`[upgrade/addon] Skipping the addon/windows phase: bosun installed no Windows DaemonSet (${Object.values(WINDOWS_DAEMON_SETS).join(', ')})`);
}

export const addonPhase: Phase<UpgradeContext> = {
  name: 'addon',
  description: 'Upgrade the default kubeadm addons',
  help:
    'Once every API server runs the target version: CoreDNS (a kube-dns cluster swapped to it; a default Corefile replaced, a customised one migrated; replicas, resources and affinity kept) and kube-proxy at the new images, ' +
    "then the Windows DaemonSets bosun installed (kube-proxy-windows at the new version; flannel's Windows DaemonSet at its installed version).",
  phases: [
    { name: 'coredns', description: 'Upgrade the CoreDNS addon', run: upgradeCoreDNS },
    { name: 'kube-proxy', description: 'Upgrade the kube-proxy addon', run: upgradeKubeProxy },
    { name: 'windows', description: 'Upgrade the Windows DaemonSets of kube-proxy and flannel bosun installed', run: upgradeWindows },
  ],
};
