import type { AddonDefinition, AddonPlan } from '../../../addons/addon.js';
import { ADDONS } from '../../../addons/catalog.js';
import { clusterAddonInput } from '../../../addons/cluster-input.js';
import { requestSettings } from '../../../addons/requests.js';
import { runPlanQuietly } from '../../../addons/run-plan.js';
import { DirManifestSource } from '../../../host/manifest-source.js';
import { systemClock } from '../../../workflow/doors.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

/** What kubeadm's init prints and how it describes its two addons; the others speak for themselves. */
const ESSENTIAL: Record<string, { title: string; description: string; help: string; disabled: (ctx: InitContext) => string | undefined }> = {
  coredns: {
    title: 'CoreDNS',
    description: 'Install the CoreDNS addon to a Kubernetes cluster',
    help: 'ConfigMap, ClusterRole and binding system:coredns, ServiceAccount, Deployment coredns and Service kube-dns (10th service IP) in kube-system; skipped with dns.disabled.',
    disabled: (ctx) => (ctx.cfg.cluster.dns.disabled ? 'dns.disabled' : undefined),
  },
  'kube-proxy': {
    title: 'kube-proxy',
    description: 'Install the kube-proxy addon to a Kubernetes cluster',
    help: 'ConfigMap and DaemonSet kube-proxy, its ServiceAccount, ClusterRoleBinding kubeadm:node-proxier and the Role that lets joining nodes read its config; skipped with proxy.disabled.',
    disabled: (ctx) => (ctx.cfg.cluster.proxy.disabled ? 'proxy.disabled' : undefined),
  },
};

const requestFor = (ctx: InitContext, addon: AddonDefinition) => ctx.cfg.addons?.find((r) => r.name === addon.name);

/**
 * Plans and applies one addon as init does, quietly but for kubeadm's lines: without waiting for its workloads, as
 * kubeadm's init does not (CoreDNS cannot become ready before a pod network is there).
 */
async function install(ctx: InitContext, io: PhaseIO, addon: AddonDefinition): Promise<AddonPlan> {
  const cluster = await ctx.cluster();
  const request = requestFor(ctx, addon);
  const plan = await addon.plan(await clusterAddonInput(cluster, ctx.cfg, request ? requestSettings(request) : {}, new DirManifestSource()));
  await runPlanQuietly(plan, cluster, (line) => io.log(line), '[addons]', systemClock.now());
  return plan;
}

function addonSubphase(addon: AddonDefinition): Phase<InitContext> {
  const essential = ESSENTIAL[addon.name];
  if (essential) {
    return {
      name: addon.name,
      description: essential.description,
      help: essential.help,
      run: async (ctx, io) => {
        const disabled = essential.disabled(ctx);
        if (disabled) return io.log(`[addons] Skipping ${essential.title}: ${disabled} is set`);
        await install(ctx, io, addon);
        io.log(`[addons] Applied essential addon: ${essential.title}`);
      },
    };
  }
  return {
    name: addon.name,
    description: `Install the ${addon.name} addon when the config's AddonConfiguration lists it`,
    help: addon.description,
    runIf: (ctx) => requestFor(ctx, addon) !== undefined,
    run: async (ctx, io) => {
      const plan = await install(ctx, io, addon);
      io.log(`[addons] Applied addon: ${addon.name} ${plan.version}`);
    },
  };
}

export const addonPhase: Phase<InitContext> = {
  name: 'addon',
  description: 'Install required addons for passing conformance tests',
  phases: ADDONS.map(addonSubphase),
};
