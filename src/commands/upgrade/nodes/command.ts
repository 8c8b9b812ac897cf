import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { apiRequests } from '../../../cluster/transport.js';
import { openDoors, type Doors } from '../../../workflow/doors.js';
import { printDryRunReport } from '../../../workflow/dry-run-output.js';
import { kubeconfigOption, kubeconfigSearch, type CommandEnvironment } from '../../../workflow/flags.js';
import { addDrainFlags, drainOptions, durationSeconds, type DrainFlags } from '../../../workflow/drain-flags.js';
import type { Node, Pod } from '../../../kube/workloads.js';
import { UserError } from '../../../errors.js';
import type { Host } from '../../../host/host.js';
import { LocalHost } from '../../../host/local.js';
import { localMachine, localMachineFacts } from '../../../host/machine.js';
import { nodeFacts } from '../../../config/node-facts.js';
import { confirm } from '../confirm.js';
import { readInventory, type Inventory } from '../../../inventory/inventory.js';
import { download } from '../../../host/download.js';
import { isActive, newJournal, nodeDone, progress, type RollSettings } from '../../../roll/journal/journal.js';
import { processIdentity, RollLock } from '../../../roll/journal/lock.js';
import { JournalStore, localJournalFile } from '../../../roll/journal/store.js';
import { healthBaseline } from '../../../roll/gate.js';
import { nodeReacher, withExecutorFlags, type NodeAccess } from '../../../roll/nodes.js';
import { parseMaxUnavailable, planRoll } from '../../../roll/plan.js';
import { abortRoll, runRoll, type RollContext } from '../../../roll/roll.js';
import type { EventSink } from '../../../workflow/events.js';
import { upgradeNodeWork } from './node-work.js';
import { KubeletDownloads, prepareKubelet } from './kubelet-binary.js';
import { addHostFlags, NodeHosts, type HostFlags } from '../../../roll/hosts.js';
import { describePlan, forecast, targetVersion } from './plan-text.js';

export interface NodesFlags extends DrainFlags, HostFlags {
  kubeconfig?: string;
  version?: string;
  maxUnavailable: string;
  nodeSelector?: string;
  order: 'name' | 'zone';
  pauseBetween: number;
  healthTimeout: number;
  inventory?: string;
  executor: string[];
  journalDir: string;
  yes?: boolean;
  resume?: boolean;
  abort?: boolean;
  dryRun?: boolean;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * Shows the roll's events until the engine's renderers take them: its lines as they always were, each node's
 * `upgrade node` lines under the node's name.
 */
const renderEvents: EventSink = (event) => {
  if (event.type !== 'log') return;
  const nodeStep = /^node\/([^/]+)\/[^/]+\/./.exec(event.path);
  log(nodeStep ? `  ${nodeStep[1]}: ${event.line}` : event.line);
};

/**
 * The cluster, the journal's two copies, and how nodes are reached (the inventory, --executor flags). `at`: a
 * cluster reached otherwise than by a kubeconfig of this machine (`bosun apply`: a control-plane host's), and what
 * names its local journal copy.
 */
export async function connect(flags: NodesFlags, env: CommandEnvironment, at?: { doors: Doors; journalKey: string }) {
  const doors = at?.doors ?? openDoors({ dryRun: flags.dryRun, kubeconfig: kubeconfigSearch(flags.kubeconfig, env) });
  const machine: Host = new LocalHost('/');
  const [cluster, kubeconfig] = await Promise.all([doors.cluster(), doors.kubeconfig()]);
  const inventory: Inventory = flags.inventory ? await readInventory(machine, path.resolve(flags.inventory)) : new Map();
  const store = new JournalStore(cluster, machine, localJournalFile(path.resolve(flags.journalDir), at?.journalKey ?? kubeconfig));
  const hosts = new NodeHosts(flags, env);
  const reacher = nodeReacher(withExecutorFlags(inventory, flags.executor), localMachine.hostname(), hosts.open);
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
  return { doors, cluster, store, machine, reacher, hosts, downloads, verify };
}

export type Session = Awaited<ReturnType<typeof connect>>;

/**
 * Takes the lock, then runs `run` on the store's roll (after `prepare` wrote a new one, for a new roll); the lock
 * is given back however it ends.
 */
async function runLocked(session: Session, flags: NodesFlags, run: typeof runRoll, prepare?: (holder: string) => Promise<void>): Promise<void> {
  const { cluster, store, machine, reacher } = session;
  const lost = new AbortController();
  // Every node's drain and wait listens to it.
  setMaxListeners(0, lost.signal);
  const lock = await RollLock.acquire(cluster, processIdentity(), (why) => lost.abort(new UserError(why)));
  try {
    if (prepare) await prepare(lock.identity);
    await store.claim(lock.identity);
    const ctx: RollContext = {
      cluster,
      store,
      reach: (record) => reacher.reach(record.name),
      work: session.hosts.bounded(
        upgradeNodeWork({
          timeoutMs: flags.healthTimeout * 1000,
          machine,
          downloads: session.downloads,
          proxyEnv: nodeFacts(localMachineFacts).proxyEnv(),
        }),
      ),
      events: renderEvents,
      signal: lost.signal,
    };
    await run(ctx);
    log(`[upgrade/nodes] ${apiRequests.count} API request(s) by this process${sshSummary(session.hosts.dials())}`);
  } finally {
    await lock.release();
  }
}

export async function startRoll(session: Session, flags: NodesFlags): Promise<void> {
  const { doors, cluster, store } = session;
  const existing = await store.load();
  if (existing && isActive(existing)) {
    throw new UserError(`a node roll (${existing.id}) is unfinished (${progress(existing)}): "bosun upgrade nodes --resume" continues it, "--abort" ends it`);
  }
  const target = await targetVersion(cluster, flags.version);
  const [nodes, pods] = await Promise.all([cluster.list<Node>('v1', 'Node', { labelSelector: flags.nodeSelector }), cluster.list<Pod>('v1', 'Pod')]);
  const settings: RollSettings = {
    maxUnavailable: parseMaxUnavailable(flags.maxUnavailable),
    order: flags.order,
    nodeSelector: flags.nodeSelector,
    pauseBetweenSeconds: flags.pauseBetween,
    healthTimeoutSeconds: flags.healthTimeout,
    // A roll always leaves DaemonSet pods in place, as the upgrade guides' `kubectl drain --ignore-daemonsets`.
    drain: drainOptions(flags, true),
  };
  const plan = planRoll({ nodes, target, maxUnavailable: settings.maxUnavailable, order: settings.order, executorFor: session.reacher.kindOf });
  log(describePlan(plan, target));
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
  const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${target}`;
  const journal = newJournal({ id, plan, target, settings, baseline: healthBaseline(allNodes, pods) });
  await runLocked(session, flags, runRoll, async (holder) => {
    journal.holder = holder;
    await store.create(journal);
    log(`[upgrade/nodes] Journal: ConfigMap kube-system/bosun-node-roll and ${store.localFile}`);
  });
}

async function resumeRoll(session: Session, flags: NodesFlags): Promise<void> {
  const journal = await session.store.load();
  if (!journal || !isActive(journal)) throw new UserError(`no node roll to resume${journal ? ` (the last one, ${journal.id}, is ${journal.state})` : ''}`);
  const unreachable = Object.values(journal.nodes)
    .filter((n) => !nodeDone(n) && !session.reacher.knows(n.name))
    .map((n) => n.name);
  if (unreachable.length) throw new UserError(`cannot resume: no inventory names ${unreachable.join(', ')}; pass the roll's --inventory again`);
  await session.verify(
    Object.values(journal.nodes)
      .filter((n) => !nodeDone(n))
      .map((n) => n.name),
    journal.target,
  );
  log(`[upgrade/nodes] Resuming roll ${journal.id} to kubelet ${journal.target}: ${progress(journal)}`);
  await runLocked(session, flags, runRoll);
}

async function abortCommand(session: Session, flags: NodesFlags): Promise<void> {
  const journal = await session.store.requestAbort();
  const holder = await RollLock.holder(session.cluster);
  if (holder?.live) {
    return log(`[upgrade/nodes] Abort requested: the roll run by ${holder.identity} stops after its current node(s) and uncordons what it cordoned`);
  }
  log(`[upgrade/nodes] Aborting roll ${journal.id} (nobody runs it)`);
  await runLocked(session, flags, abortRoll);
}

/** `, 7 SSH host(s), 7 connection(s)`: one connection per host unless one dropped. */
function sshSummary(dials: Record<string, number>): string {
  const counts = Object.values(dials);
  return counts.length ? `, ${counts.length} SSH host(s), ${counts.reduce((a, b) => a + b, 0)} connection(s)` : '';
}

export const defaultJournalDir = (env: CommandEnvironment) => path.join(env.stateHome ?? path.join(env.home, '.local', 'state'), 'bosun');

/** `bosun upgrade nodes`: the rolling upgrade of every node's kubelet, from one place. */
export function registerUpgradeNodes(upgrade: Command, env: CommandEnvironment): void {
  const cmd = upgrade
    .command('nodes')
    .description('Roll every node to the new kubelet: control-plane nodes one at a time, then workers in batches; cordon, drain, upgrade, wait Ready, uncordon')
    .addOption(kubeconfigOption())
    .option('--version <version>', "kubelet version to roll to (default: the ClusterConfiguration's kubernetesVersion)")
    .option('--max-unavailable <n|p%>', 'workers upgraded at once: a count or a percentage of the workers', '1')
    .option('--node-selector <selector>', 'only the nodes matching this label selector')
    .addOption(new Option('--order <order>', 'worker order: by name, or by zone (a batch never spans two zones)').choices(['name', 'zone']).default('name'))
    .addOption(
      new Option('--pause-between <duration>', 'wait this long between batches (--abort ends the wait)')
        .default(0)
        .argParser(durationSeconds('--pause-between')),
    )
    .addOption(
      new Option('--health-timeout <duration>', 'how long a node may take to be Ready again, and the cluster to be healthy between batches')
        .default(300, '5m')
        .argParser(durationSeconds('--health-timeout')),
    )
    .addOption(
      new Option(
        '--inventory <file>',
        'the cluster file: how bosun reaches each host and installs its kubelet (apiVersion: bosun.dev/v1alpha1, kind: Cluster)',
      ).env('BOSUN_INVENTORY'),
    )
    .option('--executor <node=local>', 'a node that is this machine, at / (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--journal-dir <dir>', 'where the local copy of the journal is kept', defaultJournalDir(env))
    .option('-y, --yes', 'do not prompt for confirmation')
    .option('--resume', 'continue the unfinished roll from its journal')
    .option('--abort', 'stop the roll after its current node(s) and uncordon what it cordoned')
    .option('--dry-run', 'print the plan and the drain forecast; change nothing');
  addHostFlags(addDrainFlags(cmd)).action(async (flags: NodesFlags) => {
    if (flags.resume && flags.abort) throw new UserError('--resume and --abort exclude each other');
    const session = await connect(flags, env);
    try {
      await (flags.abort ? abortCommand : flags.resume ? resumeRoll : startRoll)(session, flags);
    } finally {
      await session.hosts.close();
    }
  });
}
