import type { Command } from 'commander';
import type { Doors } from '../../../workflow/doors.js';
import { printDryRunReport } from '../../../workflow/dry-run-output.js';
import type { CommandEnvironment } from '../../../workflow/flags.js';
import type { Node, Pod } from '../../../kube/workloads.js';
import { localMachineFacts } from '../../../host/machine.js';
import { nodeFacts } from '../../../config/node-facts.js';
import { confirm } from '../../../workflow/confirm.js';
import { download } from '../../../host/download.js';
import { newJournal, type RollJournal, type RollSettings } from '../../../roll/journal/journal.js';
import { healthBaseline } from '../../../roll/gate.js';
import type { NodeAccess } from '../../../roll/nodes.js';
import { parseMaxUnavailable, planRoll } from '../../../roll/plan.js';
import { runRoll } from '../../../roll/roll.js';
import { upgradeKind, type RollKind } from '../../../roll/kind.js';
import { upgradeNodeWork } from './node-work.js';
import { windowsRollback } from './windows-node-work.js';
import { describeChecks, refuseFailedChecks, windowsChecks } from './windows-checks.js';
import { KubeletDownloads, prepareKubelet } from './kubelet-binary.js';
import { describePlan, targetVersion, windowsLimit } from './plan-text.js';
import { forecast } from '../../../roll/forecast.js';
import {
  abortCommand,
  addRollFlags,
  connectRoll,
  loadForResume,
  log,
  pendingNodes,
  refuseUnfinished,
  resumeLine,
  rollAction,
  rollId,
  rollSettings,
  runLocked,
  type RollFlags,
} from '../../../roll/command.js';

export { defaultJournalDir } from '../../../roll/command.js';

export interface NodesFlags extends RollFlags {
  version?: string;
  windowsMaxUnavailable?: string;
}

/** The journal's settings: the roll's, and `--windows-max-unavailable` when given. */
function nodesSettings(flags: NodesFlags): RollSettings {
  const windows = flags.windowsMaxUnavailable;
  return {
    ...rollSettings(flags),
    ...(windows && { windowsMaxUnavailable: parseMaxUnavailable(windows, '--windows-max-unavailable', 'the Windows workers') }),
  };
}

/** The roll session of `upgrade nodes`: with the kubelets it installs, fetched and checked before anything changes. */
export async function connect(flags: NodesFlags, env: CommandEnvironment, at?: { doors: Doors; journalKey: string }) {
  const session = await connectRoll(flags, env, at);
  const { hosts, reacher, machine } = session;
  const downloads = new KubeletDownloads(download);
  /**
   * Reaches and verifies the SSH hosts of these nodes, then fetches and checks the kubelet each will install,
   * before anything changes on any of them.
   */
  const verify = async (names: string[], version: string) => {
    await hosts.verify(names.map((name) => reacher.access(name)).filter((h): h is NodeAccess => h !== undefined));
    await Promise.all(
      names.map((name) => {
        const node = reacher.reach(name);
        return prepareKubelet(node.kubelet, node.host, version, machine, downloads);
      }),
    );
  };
  /**
   * The upgrade as the engine runs it: the `upgrade node` phases on each node (a Windows node's kubelet.exe swapped
   * around its stopped service), at most --parallel at once; a Windows node that does not come back is rolled back.
   */
  const kindOf = (journal: RollJournal): RollKind =>
    upgradeKind(
      journal.target,
      hosts.bounded(
        upgradeNodeWork({
          timeoutMs: flags.healthTimeout * 1000,
          machine,
          downloads,
          proxyEnv: nodeFacts(localMachineFacts).proxyEnv(),
          rollId: journal.id,
        }),
      ),
      { windows: windowsRollback(journal.id) },
    );
  return { ...session, downloads, verify, kindOf };
}

export type Session = Awaited<ReturnType<typeof connect>>;

export async function startRoll(session: Session, flags: NodesFlags): Promise<void> {
  const { doors, cluster, store } = session;
  await refuseUnfinished(store, 'upgrade');
  const target = await targetVersion(cluster, flags.version);
  const [nodes, pods] = await Promise.all([cluster.list<Node>('v1', 'Node', { labelSelector: flags.nodeSelector }), cluster.list<Pod>('v1', 'Pod')]);
  const settings = nodesSettings(flags);
  const plan = planRoll({
    nodes,
    target,
    maxUnavailable: settings.maxUnavailable,
    windowsMaxUnavailable: settings.windowsMaxUnavailable,
    order: settings.order,
    executorFor: session.reacher.kindOf,
  });
  const checks = await windowsChecks({ cluster, plan, nodes, target, access: session.reacher.access });
  log(describePlan(plan, target, { maxUnavailable: settings.windowsMaxUnavailable, checks: describeChecks(checks) }));
  refuseFailedChecks(checks);
  await session.verify(
    plan.nodes.map((n) => n.name),
    target,
  );
  if (!plan.nodes.length) return log(`[upgrade/nodes] Nothing to do: every node's kubelet runs ${target}`);
  if (flags.dryRun) {
    log(await forecast(cluster, plan, settings, await cluster.list<Node>('v1', 'Node')));
    // The plan and the forecast only read; should a dry run ever record a change, it is reported.
    return printDryRunReport(doors, 'text', { whenEmpty: false });
  }
  if (!flags.yes) await confirm(`[upgrade/nodes] Cordon, drain and upgrade these ${plan.nodes.length} node(s)?`);
  const allNodes = flags.nodeSelector ? await cluster.list<Node>('v1', 'Node') : nodes;
  const journal = newJournal({ id: rollId(target), plan, target, settings, baseline: healthBaseline(allNodes, pods) });
  await runLocked(session, session.kindOf, runRoll, async (holder) => {
    journal.holder = holder;
    await store.create(journal);
    log(`[upgrade/nodes] Journal: ConfigMap kube-system/bosun-node-roll and ${store.localFile}`);
  });
}

async function resumeRoll(session: Session): Promise<void> {
  const journal = await loadForResume(session, 'upgrade');
  await session.verify(pendingNodes(journal), journal.target);
  const windows = journal.settings.windowsMaxUnavailable;
  log(`${resumeLine(journal, `kubelet ${journal.target}`)}${windows ? ` (Windows nodes out at once: ${windowsLimit(windows)})` : ''}`);
  await runLocked(session, session.kindOf, runRoll);
}

/** `bosun upgrade nodes`: the rolling upgrade of every node's kubelet, from one place. */
export function registerUpgradeNodes(upgrade: Command, env: CommandEnvironment): void {
  const cmd = upgrade
    .command('nodes')
    .description('Roll every node to the new kubelet: control-plane nodes one at a time, then workers in batches; cordon, drain, upgrade, wait Ready, uncordon')
    .option('--version <version>', "kubelet version to roll to (default: the ClusterConfiguration's kubernetesVersion)")
    .option('--windows-max-unavailable <n|p%>', 'Windows workers upgraded at once, within --max-unavailable: a count or a percentage of the Windows workers');
  addRollFlags(cmd, env, 'upgraded').action((flags: NodesFlags) =>
    rollAction(flags, () => connect(flags, env), {
      start: (session) => startRoll(session, flags),
      resume: (session) => resumeRoll(session),
      abort: (session) => abortCommand(session, 'upgrade', session.kindOf),
    }),
  );
}
