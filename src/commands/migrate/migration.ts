/**
 * What `migrate runtime` and `migrate cgroup-driver` share: which nodes (--nodes or --node-selector), each node's
 * own files read before the plan (a node is skipped when its Node and its files both say it is done, refused when
 * bosun cannot read its runtime), the plan with what changes in which file and the drain forecast, --dry-run, the
 * confirmation, then the roll on the engine `upgrade nodes` runs, with its journal, --resume and --abort.
 */
import { UserError } from '../../errors.js';
import type { Node, Pod } from '../../kube/workloads.js';
import { readRuntimeFacts, type NodeRuntimeFacts } from '../../node/runtime-facts.js';
import { healthBaseline } from '../../roll/gate.js';
import { newJournal, type RollJournal } from '../../roll/journal/journal.js';
import type { RollKind } from '../../roll/kind.js';
import type { NodeAccess } from '../../roll/nodes.js';
import { planRoll, type PlannedNode, type RollPlan } from '../../roll/plan.js';
import { runRoll } from '../../roll/roll.js';
import { PURPOSES, type RollPurpose } from '../../roll/steps.js';
import { printDryRunReport } from '../../workflow/dry-run-output.js';
import { confirm } from '../../workflow/confirm.js';
import { forecast } from '../../roll/forecast.js';
import {
  loadForResume,
  log,
  pendingNodes,
  refuseUnfinished,
  resumeLine,
  rollId,
  rollSettings,
  runLocked,
  type RollFlags,
  type RollSession,
} from '../../roll/command.js';

export interface MigrateFlags extends RollFlags {
  to?: string;
  nodes?: string;
}

export interface Migration {
  purpose: RollPurpose;
  target: string;
  /** Why the node is already where the migration goes (its Node and its files say so), or undefined. */
  done(node: Node, facts: NodeRuntimeFacts): string | undefined;
  /** Why bosun cannot migrate the node, or undefined. */
  refuse(node: Node, facts: NodeRuntimeFacts, systemd: boolean): string | undefined;
  /** What the node runs now, as the plan shows it. */
  from(node: Node, facts: NodeRuntimeFacts): string;
  /** The node's file changes, one line each, for the plan. */
  changes(facts: NodeRuntimeFacts): string[];
  /** Cluster-wide lines of the plan (the ConfigMap first), if any. */
  before?: { steps: string[]; lines: string[] };
  kindOf(journal: RollJournal): RollKind;
}

/** The nodes the flags select: --node-selector on the API side, --nodes by name (each must exist). */
export async function selectedNodes(session: RollSession, flags: MigrateFlags): Promise<Node[]> {
  if (flags.nodes && flags.nodeSelector) throw new UserError('--nodes and --node-selector exclude each other');
  const nodes = await session.cluster.list<Node>('v1', 'Node', { labelSelector: flags.nodeSelector });
  if (!flags.nodes) return nodes;
  const names = flags.nodes.split(',').map((n) => n.trim());
  const unknown = names.filter((name) => !nodes.some((n) => n.metadata.name === name));
  if (unknown.length) throw new UserError(`--nodes: no node named ${unknown.join(', ')} in the cluster`);
  return nodes.filter((n) => names.includes(n.metadata.name));
}

/** Each reachable node's files (SSH hosts verified first); nodes bosun cannot reach are left to the planner's refusal. */
async function readFacts(session: RollSession, nodes: Node[]): Promise<Map<string, { facts: NodeRuntimeFacts; systemd: boolean }>> {
  const names = nodes.map((n) => n.metadata.name).filter((name) => session.reacher.knows(name));
  await session.hosts.verify(names.map((name) => session.reacher.access(name)).filter((h): h is NodeAccess => h !== undefined));
  const read = await Promise.all(
    names.map(async (name) => {
      const host = session.reacher.reach(name).host;
      return [name, { facts: await readRuntimeFacts(host), systemd: (await host.stat('/run/systemd/system')) !== undefined }] as const;
    }),
  );
  return new Map(read);
}

function describe(plan: RollPlan, migration: Migration, facts: Map<string, { facts: NodeRuntimeFacts }>): string {
  const { prefix } = PURPOSES[migration.purpose];
  const lines = [`${prefix} Moving ${plan.nodes.length} node(s) to ${migration.target} in ${plan.batches.length} batch(es):`];
  for (const line of migration.before?.lines ?? []) lines.push(`  first: ${line}`);
  plan.batches.forEach((batch, i) => lines.push(`  batch ${i + 1}: ${batch.join(', ')}`));
  for (const node of plan.nodes) {
    lines.push(`  ${node.name} (${node.from}, ${node.executor}):`);
    for (const change of migration.changes(facts.get(node.name)!.facts)) lines.push(`    ${change}`);
  }
  for (const s of plan.skipped) lines.push(`  skipped ${s.node}: ${s.reason}`);
  if (plan.nodes[0]) lines.push(`  steps per node: ${(plan.nodes[0] as PlannedNode).steps.join(' → ')}`);
  return lines.join('\n');
}

export async function startMigration(session: RollSession, flags: MigrateFlags, migration: Migration): Promise<void> {
  const { cluster, store, doors } = session;
  const { prefix } = PURPOSES[migration.purpose];
  await refuseUnfinished(store, migration.purpose);
  const [nodes, pods] = await Promise.all([selectedNodes(session, flags), cluster.list<Pod>('v1', 'Pod')]);
  const facts = await readFacts(session, nodes);
  const settings = rollSettings(flags);
  const factsOf = (node: Node) => facts.get(node.metadata.name);
  const plan = planRoll({
    nodes,
    target: migration.target,
    purpose: migration.purpose,
    maxUnavailable: settings.maxUnavailable,
    order: settings.order,
    executorFor: session.reacher.kindOf,
    alreadyDone: (node) => factsOf(node) && migration.done(node, factsOf(node)!.facts),
    refuse: (node) => (factsOf(node) ? migration.refuse(node, factsOf(node)!.facts, factsOf(node)!.systemd) : undefined),
    from: (node) => (factsOf(node) ? migration.from(node, factsOf(node)!.facts) : 'unknown'),
  });
  log(describe(plan, migration, facts));
  if (!plan.nodes.length) return log(`${prefix} Nothing to do: every selected node is on ${migration.target}`);
  if (flags.dryRun) {
    log(await forecast(cluster, plan, settings, await cluster.list<Node>('v1', 'Node'), prefix));
    return printDryRunReport(doors, 'text', { whenEmpty: false });
  }
  if (!flags.yes) await confirm(`${prefix} Cordon, drain and move these ${plan.nodes.length} node(s) to ${migration.target}?`);
  const allNodes = await cluster.list<Node>('v1', 'Node');
  const journal = newJournal({
    id: rollId(migration.target),
    plan,
    target: migration.target,
    settings,
    baseline: healthBaseline(allNodes, pods),
    purpose: migration.purpose,
    before: migration.before?.steps,
  });
  await runLocked(session, migration.kindOf, runRoll, async (holder) => {
    journal.holder = holder;
    await store.create(journal);
    log(`${prefix} Journal: ConfigMap kube-system/bosun-node-roll and ${store.localFile}`);
  });
}

export async function resumeMigration(session: RollSession, purpose: RollPurpose, kindOf: (journal: RollJournal) => RollKind): Promise<void> {
  const journal = await loadForResume(session, purpose);
  await session.hosts.verify(
    pendingNodes(journal)
      .map((name) => session.reacher.access(name))
      .filter((h): h is NodeAccess => h !== undefined),
  );
  log(resumeLine(journal, journal.target));
  await runLocked(session, kindOf, runRoll);
}
