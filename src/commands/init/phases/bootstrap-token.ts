import type { Secret } from '../../../kube/objects.js';
import { UserError } from '../../../errors.js';
import { readText } from '../../../host/host.js';
import { readKubeconfigTarget } from '../../../kubeconfig/kubeconfig.js';
import { clusterInfoConfigMap, clusterInfoRbac } from '../../../tokens/cluster-info.js';
import { bootstrapTokenRbac } from '../../../tokens/rbac.js';
import { expirationFor, TOKEN_NAMESPACE, tokenSecret, tokenSecretName } from '../../../tokens/secret.js';
import { splitToken } from '../../../tokens/token.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

/** Server and CA of the admin kubeconfig: what cluster-info publishes to joining nodes. */
export async function adminTarget(ctx: InitContext): Promise<{ server: string; caCertPem: string }> {
  const path = ctx.options.kubeconfigPath;
  const text = await readText(ctx.host, path);
  if (text === undefined) throw new UserError(`${path}: file not found (is the kubeconfig phase done?)`);
  let target;
  try {
    target = readKubeconfigTarget(text);
  } catch (err) {
    throw new UserError(`${path}: ${(err as Error).message}`);
  }
  if (!target.caCertPem) throw new UserError(`${path}: its cluster has no certificate-authority-data`);
  return { server: target.server, caCertPem: target.caCertPem };
}

async function bootstrapToken(ctx: InitContext, io: PhaseIO): Promise<void> {
  const tokens = ctx.cfg.init.bootstrapTokens ?? [];
  // The token id is public (it names the Secret); the secret part is only printed by show-join-command.
  if (!ctx.options.skipTokenPrint && tokens.length) {
    io.log(`[bootstrap-token] Using token${tokens.length > 1 ? 's' : ''} with id ${tokens.map((t) => splitToken(t.token).id).join(', ')}`);
  }
  io.log('[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles');
  const cluster = await ctx.cluster();
  const now = new Date();
  for (const token of tokens) {
    const ref = { apiVersion: 'v1', kind: 'Secret', namespace: TOKEN_NAMESPACE, name: tokenSecretName(splitToken(token.token).id) };
    const existing = await cluster.get<Secret>(ref);
    await cluster.apply(tokenSecret(token, expirationFor(token, existing, now)));
  }
  for (const step of bootstrapTokenRbac()) {
    for (const obj of step.objects) await cluster.apply(obj);
    io.log(`[bootstrap-token] ${step.log}`);
  }
  const { server, caCertPem } = await adminTarget(ctx);
  io.log('[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace');
  await cluster.apply(clusterInfoConfigMap(server, caCertPem));
  for (const obj of clusterInfoRbac()) await cluster.apply(obj);
}

export const bootstrapTokenPhase: Phase<InitContext> = {
  name: 'bootstrap-token',
  description: 'Generates bootstrap tokens used to join a node to a cluster',
  help:
    'Writes the bootstrap token Secrets, the RBAC that lets token holders post node CSRs (auto-approved) and get Nodes, ' +
    'and kube-public/cluster-info (server and CA of admin.conf) readable anonymously; the bootstrapsigner controller ' +
    'signs it for each token (jws-kubeconfig-<id>).',
  run: bootstrapToken,
};
