/** `bosun upgrade plan` printed: kubeadm's tables for people, the UpgradePlan object for `-o json|yaml`. */
import { table } from '../../util/table.js';
import { emitYaml } from '../../util/yaml.js';
import { PINNED_KUBERNETES_VERSIONS } from '../../versions/pinned.js';
import { describeViolations } from '../../versions/skew.js';
import type { DrainForecast } from './forecast.js';
import type { ComponentUpgradePlan, UpgradePlan } from './plan.js';

export type PlanFormat = 'text' | 'json' | 'yaml';

function componentTable(components: ComponentUpgradePlan[]): string {
  return table([['COMPONENT', 'NODE', 'CURRENT', 'TARGET'], ...components.map((c) => [c.name, c.nodeName ?? '', c.currentVersion, c.newVersion])]);
}

const RULE = '_'.repeat(90);
const KUBELETS_HEADING = "Components that must be upgraded on each node after the control plane, with 'bosun upgrade node' (or 'bosun upgrade nodes'):";

function textForecast(forecast: DrainForecast): string[] {
  const out = [`Drain forecast for the node upgrades to ${forecast.target} (pods as they are now; DaemonSet and mirror pods stay):`, ''];
  forecast.batches.forEach((batch, i) => {
    out.push(`batch ${i + 1}: ${batch.nodes.map((n) => n.node).join(', ')}`);
    for (const node of batch.nodes) {
      out.push(`  ${node.node}: evicts ${node.evicts.length} pod(s)${node.evicts.length ? `: ${node.evicts.join(', ')}` : ''}`);
      for (const b of node.budgets) {
        const later = b.afterEarlierNodes !== b.disruptionsAllowed ? `, ${b.afterEarlierNodes} after the earlier nodes of the batch` : '';
        const waits = b.blocker ? `BLOCKS: ${b.blocker}` : b.waits ? `${b.waits} eviction(s) wait for a replacement to become healthy` : 'no eviction waits';
        out.push(`    PodDisruptionBudget ${b.pdb}: ${b.disruptionsAllowed} disruption(s) allowed now${later}; ${b.pods.length} pod(s) here; ${waits}`);
      }
      if (node.needsForce.length) out.push(`    cannot be evicted without --force (no controller): ${node.needsForce.join(', ')}`);
      if (node.needsDeleteEmptyDirData.length) out.push(`    cannot be evicted without --delete-emptydir-data: ${node.needsDeleteEmptyDirData.join(', ')}`);
    }
    out.push(`  room: ${batch.capacity.fits ? '' : 'NOT ENOUGH: '}${batch.capacity.summary}`);
  });
  for (const s of forecast.skipped) out.push(`skipped ${s.node}: ${s.reason}`);
  return [...out, '', RULE, ''];
}

function textPlan(plan: UpgradePlan, bosunVersion: string): string {
  const out: string[] = [];
  out.push(`[upgrade/versions] Cluster version: ${plan.clusterVersion}`);
  out.push(`[upgrade/versions] bosun version: ${bosunVersion} (knows Kubernetes ${PINNED_KUBERNETES_VERSIONS.join(', ')})`);
  for (const note of plan.kubeletSkew ?? []) out.push(`[upgrade/versions] WARNING: node ${note.node}: ${note.problem}`);
  out.push('');
  if (!plan.availableUpgrades?.length) {
    out.push(`The control plane is at the newest release bosun knows (${plan.clusterVersion}): there is nothing to upgrade with 'bosun upgrade apply'.`, '');
    if (plan.nodeUpgrades?.length) out.push(KUBELETS_HEADING, componentTable(plan.nodeUpgrades));
    out.push(RULE, '');
  }
  for (const upgrade of plan.availableUpgrades ?? []) {
    const kubelets = upgrade.components.filter((c) => c.name === 'kubelet' && c.currentVersion !== c.newVersion);
    out.push(`${upgrade.description} (${upgrade.version}):`, '');
    out.push(componentTable(upgrade.components.filter((c) => c.name !== 'kubelet')));
    if (upgrade.corefile) {
      const [outcome, ...notices] = upgrade.corefile;
      out.push(`CoreDNS Corefile: ${outcome}`, ...notices.map((n) => `  ${n}`), '');
    }
    if (kubelets.length) out.push(KUBELETS_HEADING, componentTable(kubelets));
    if (upgrade.needs?.length) {
      out.push(`This upgrade breaks rules that need a flag to override:\n  ${describeViolations(upgrade.needs)}`, '');
    }
    out.push('You can now apply the upgrade by executing the following command:', '', `\tbosun upgrade apply ${upgrade.version}`, '', RULE, '');
  }
  if (plan.drainForecast) out.push(...textForecast(plan.drainForecast));
  if (plan.configVersions.length) {
    out.push('The table below shows the current state of component configs as understood by this version of bosun.');
    out.push('Configs that have a "yes" mark in the "MANUAL UPGRADE REQUIRED" column require manual config upgrade or');
    out.push('resetting to bosun defaults before a successful upgrade can be performed.', '');
    out.push(
      table([
        ['API GROUP', 'CURRENT VERSION', 'PREFERRED VERSION', 'MANUAL UPGRADE REQUIRED'],
        ...plan.configVersions.map((c) => [c.group, c.currentVersion, c.preferredVersion, c.manualUpgradeRequired ? 'yes' : 'no']),
      ]),
    );
    out.push(RULE, '');
  }
  return out.join('\n');
}

export function formatPlan(plan: UpgradePlan, format: PlanFormat, bosunVersion: string): string {
  if (format === 'json') return `${JSON.stringify(plan, null, 2)}\n`;
  if (format === 'yaml') return emitYaml(plan);
  return textPlan(plan, bosunVersion);
}
