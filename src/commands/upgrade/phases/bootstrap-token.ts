import type { ConfigMap } from '../../../kube/objects.js';
import { UserError } from '../../../errors.js';
import { readText } from '../../../host/host.js';
import { readKubeconfigTarget } from '../../../kubeconfig/kubeconfig.js';
import { CLUSTER_INFO, clusterInfoConfigMap, clusterInfoRbac } from '../../../tokens/cluster-info.js';
import { bootstrapTokenRbac } from '../../../tokens/rbac.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { UpgradeContext } from '../context.js';
import { applyAll } from './upload-config.js';

/** cluster-info is created from admin.conf when missing; an existing one is the cluster's and stays. */
async function ensureClusterInfo(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  const cluster = await ctx.cluster();
  const existing = await cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: CLUSTER_INFO.namespace, name: CLUSTER_INFO.name });
  if (existing) return;
  const path = ctx.options.kubeconfigPath;
  const text = await readText(ctx.host, path);
  if (text === undefined) throw new UserError(`${path}: file not found; it is needed to create ${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name}`);
  const target = readKubeconfigTarget(text);
  if (!target.caCertPem) throw new UserError(`${path}: its cluster has no certificate-authority-data`);
  io.log(`[bootstrap-token] Creating the "${CLUSTER_INFO.name}" ConfigMap in the "${CLUSTER_INFO.namespace}" namespace`);
  await cluster.apply(clusterInfoConfigMap(target.server, target.caCertPem));
}

export const bootstrapTokenPhase: Phase<UpgradeContext> = {
  name: 'bootstrap-token',
  description: 'Configures bootstrap token and cluster-info RBAC rules',
  help: 'Re-applies the RBAC rules for node bootstrap tokens and CSR approval, cluster-info (created from admin.conf if missing) and its anonymous read access.',
  run: async (ctx, io) => {
    for (const step of bootstrapTokenRbac()) {
      await applyAll(ctx, step.objects);
      io.log(`[bootstrap-token] ${step.log}`);
    }
    await ensureClusterInfo(ctx, io);
    await applyAll(ctx, clusterInfoRbac());
  },
};
