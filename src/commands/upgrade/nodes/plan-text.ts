/** What `bosun upgrade nodes` tells before it changes anything: the target and the plan (the drain forecast is the engine's). */
import type { Cluster } from '../../../cluster/cluster.js';
import { UserError } from '../../../errors.js';
import type { ConfigMap } from '../../../kube/objects.js';
import type { MaxUnavailable, RollPlan } from '../../../roll/plan.js';
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

/** `at most 2`, `at most 50% of the Windows workers`: `--windows-max-unavailable` as the plan and a resume say it. */
export const windowsLimit = (max: MaxUnavailable) => `at most ${'count' in max ? max.count : `${max.percent}% of the Windows workers`}`;

/**
 * The plan as the operator reads it before anything changes: the batches (Windows nodes marked), what was skipped,
 * how nodes are reached, the steps per operating system, the Windows limit and the checks before the first cordon.
 */
export function describePlan(plan: RollPlan, target: string, windows: { maxUnavailable?: MaxUnavailable; checks?: string[] } = {}): string {
  const lines = [`[upgrade/nodes] Rolling ${plan.nodes.length} node(s) to kubelet ${target} in ${plan.batches.length} batch(es):`];
  const osOf = new Map(plan.nodes.map((n) => [n.name, n.os]));
  const shown = (name: string) => (osOf.get(name) === 'windows' ? `${name} (windows)` : name);
  plan.batches.forEach((batch, i) => lines.push(`  batch ${i + 1}: ${batch.map(shown).join(', ')}`));
  for (const s of plan.skipped) lines.push(`  skipped ${s.node}: ${s.reason}`);
  const byExecutor = new Map<string, string[]>();
  for (const n of plan.nodes) byExecutor.set(n.executor, [...(byExecutor.get(n.executor) ?? []), n.name]);
  for (const [kind, nodes] of byExecutor) lines.push(`  executor ${kind}: ${nodes.length} node(s)`);
  for (const [os, what] of [
    ['linux', 'node'],
    ['windows', 'Windows node'],
  ] as const) {
    const first = plan.nodes.find((n) => n.os === os);
    if (first) lines.push(`  steps per ${what}: ${first.steps.join(' → ')}`);
  }
  if (windows.maxUnavailable) lines.push(`  Windows nodes out at once: ${windowsLimit(windows.maxUnavailable)} (--windows-max-unavailable)`);
  if (windows.checks?.length) lines.push('  before the first cordon:', ...windows.checks);
  return lines.join('\n');
}
