import { KUBECONFIG_FILES } from '../../../kube/paths.js';
import type { Phase } from '../../../workflow/phase.js';
import type { UpgradeContext } from '../context.js';
import { renewKubeconfig } from '../../../node/renew-certificates.js';
import { clearApplyJournal } from '../journal.js';

export const applyPostUpgradePhase: Phase<UpgradeContext> = {
  name: 'post-upgrade',
  description: 'Run post upgrade tasks',
  help: "Renews the client certificate of admin.conf when the control plane changed (unless --certificate-renewal=false), then removes the run's journal.",
  run: async (ctx, io) => {
    if (ctx.options.certificateRenewal && ctx.run.upgraded.length) {
      await renewKubeconfig(ctx.host, (await ctx.config()).cluster, KUBECONFIG_FILES.admin, io.log);
    }
    await clearApplyJournal(ctx);
    io.log(`[upgrade] SUCCESS! A control plane node of your cluster was upgraded to "${await ctx.target()}".`);
    io.log('[upgrade] Now please proceed with upgrading the rest of the nodes by following the right order.');
  },
};

export const nodePostUpgradePhase: Phase<UpgradeContext> = {
  name: 'post-upgrade',
  description: 'Run post upgrade tasks',
  run: async (ctx, io) => {
    io.log(`[upgrade] The configuration for node ${(await ctx.node()).name} was successfully upgraded to ${await ctx.target()}!`);
  },
};
