/** What `bosun upgrade nodes` tells before it changes anything: the target and the plan (the drain forecast is the engine's). */
import type { Cluster } from '../../../cluster/cluster.js';
import { UserError } from '../../../errors.js';
import type { ConfigMap } from '../../../kube/objects.js';
import type { RollPlan } from '../../../roll/plan.js';
import { parseYaml } from '../../../util/yaml.js';
import { parseKubernetesVersion } from '../../../versions/skew.js';

/** A string field of a document that must parse; one that does not is a UserError naming it, not the parser's message. */
function readField(parse: () => unknown, field: string, where: string): string | undefined {
  let doc: unknown;
  try {
    doc = parse();
  } catch {
    throw new UserError(`${where}: cannot read ${field}: the document does not parse`);
  }
  const value = (doc as Record<string, unknown> | null)?.[field];
  return typeof value === 'string' ? value : undefined;
}

/** The kubelet version to roll to: `--version`, else the ClusterConfiguration's; never newer than the API server. */
export async function targetVersion(cluster: Cluster, flag: string | undefined): Promise<string> {
  const [cm, version] = await Promise.all([
    cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kubeadm-config' }),
    cluster.raw('/version'),
  ]);
  const configured = readField(() => parseYaml(cm?.data?.ClusterConfiguration ?? '{}'), 'kubernetesVersion', 'ConfigMap kube-system/kubeadm-config');
  const server = readField(() => JSON.parse(version.body), 'gitVersion', `the API server's /version (HTTP ${version.status})`);
  const target = flag ?? configured ?? server;
  const wanted = target && parseKubernetesVersion(target);
  if (!wanted) throw new UserError(`--version: expected a Kubernetes version such as v1.37.1, got "${target}"`);
  const running = server && parseKubernetesVersion(server);
  if (running && wanted.compare(running) > 0) {
    throw new UserError(`kubelet ${target} would be newer than the API server (${server}): upgrade the control plane first ("bosun upgrade apply ${target}")`);
  }
  return `v${wanted.version}`;
}

export function describePlan(plan: RollPlan, target: string): string {
  const lines = [`[upgrade/nodes] Rolling ${plan.nodes.length} node(s) to kubelet ${target} in ${plan.batches.length} batch(es):`];
  plan.batches.forEach((batch, i) => lines.push(`  batch ${i + 1}: ${batch.join(', ')}`));
  for (const s of plan.skipped) lines.push(`  skipped ${s.node}: ${s.reason}`);
  const byExecutor = new Map<string, string[]>();
  for (const n of plan.nodes) byExecutor.set(n.executor, [...(byExecutor.get(n.executor) ?? []), n.name]);
  for (const [kind, nodes] of byExecutor) lines.push(`  executor ${kind}: ${nodes.length} node(s)`);
  if (plan.nodes[0]) lines.push(`  steps per node: ${plan.nodes[0].steps.join(' → ')}`);
  return lines.join('\n');
}
