/**
 * What every roll command shares (`upgrade nodes`, `migrate runtime`, `migrate cgroup-driver`): its flags, the
 * cluster and journal it works on, how nodes are reached, the lock around a run, `--resume` and `--abort`. A
 * command adds what its roll does (its kind) and how it plans.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { apiRequests } from '../cluster/transport.js';
import { openDoors, type Doors } from '../workflow/doors.js';
import { kubeconfigOption, kubeconfigSearch, type CommandEnvironment } from '../workflow/flags.js';
import { addDrainFlags, drainOptions, durationSeconds, type DrainFlags } from '../workflow/drain-flags.js';
import { UserError } from '../errors.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local.js';
import { localMachine } from '../host/machine.js';
import { readInventory, type Inventory } from '../inventory/inventory.js';
import { isActive, nodeDone, progress, purposeOf, unfinishedMessage, type RollJournal, type RollSettings } from './journal/journal.js';
import { processIdentity, RollLock } from './journal/lock.js';
import { JournalStore, localJournalFile } from './journal/store.js';
import { nodeReacher, withExecutorFlags } from './nodes.js';
import { parseMaxUnavailable } from './plan.js';
import { abortRoll, runRoll } from './roll.js';
import { PURPOSES, type RollPurpose } from './steps.js';
import type { RollContext, RollKind } from './kind.js';
import type { EventSink } from '../workflow/events.js';
import { addHostFlags, NodeHosts, type HostFlags } from './hosts.js';

export interface RollFlags extends DrainFlags, HostFlags {
  kubeconfig?: string;
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

export const log = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * Shows the roll's events until the engine's renderers take them: its lines as they always were, each node's
 * step lines under the node's name.
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
export async function connectRoll(flags: RollFlags, env: CommandEnvironment, at?: { doors: Doors; journalKey: string }) {
  const doors = at?.doors ?? openDoors({ dryRun: flags.dryRun, kubeconfig: kubeconfigSearch(flags.kubeconfig, env) });
  const machine: Host = new LocalHost('/');
  const [cluster, kubeconfig] = await Promise.all([doors.cluster(), doors.kubeconfig()]);
  const inventory: Inventory = flags.inventory ? await readInventory(machine, path.resolve(flags.inventory)) : new Map();
  const store = new JournalStore(cluster, machine, localJournalFile(path.resolve(flags.journalDir), at?.journalKey ?? kubeconfig));
  const hosts = new NodeHosts(flags, env);
  const reacher = nodeReacher(withExecutorFlags(inventory, flags.executor), localMachine.hostname(), hosts.open);
  return { doors, cluster, store, machine, reacher, hosts };
}

export type RollSession = Awaited<ReturnType<typeof connectRoll>>;

/** The journal's settings from the flags. */
export function rollSettings(flags: RollFlags): RollSettings {
  return {
    maxUnavailable: parseMaxUnavailable(flags.maxUnavailable),
    order: flags.order,
    nodeSelector: flags.nodeSelector,
    pauseBetweenSeconds: flags.pauseBetween,
    healthTimeoutSeconds: flags.healthTimeout,
    // A roll always leaves DaemonSet pods in place, as the guides' `kubectl drain --ignore-daemonsets`.
    drain: drainOptions(flags, true),
  };
}

/** Refuses a new roll while one (of any purpose) is unfinished, naming the command that resumes or aborts it. */
export async function refuseUnfinished(store: JournalStore, purpose: RollPurpose): Promise<void> {
  const existing = await store.load();
  if (existing && isActive(existing)) throw new UserError(unfinishedMessage(existing, purpose));
}

/** `20261203T203000-v1.37.1`: a roll's id, from when it starts and where it goes. */
export const rollId = (target: string) => `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${target}`;

/**
 * Takes the lock, then runs `run` on the store's roll (after `prepare` wrote a new one, for a new roll) as the
 * kind `kindOf` makes for it; the lock is given back however it ends.
 */
export async function runLocked(
  session: RollSession,
  kindOf: (journal: RollJournal) => RollKind,
  run: typeof runRoll,
  prepare?: (holder: string) => Promise<void>,
): Promise<void> {
  const { cluster, store, reacher } = session;
  const lost = new AbortController();
  // Every node's drain and wait listens to it.
  setMaxListeners(0, lost.signal);
  const lock = await RollLock.acquire(cluster, processIdentity(), (why) => lost.abort(new UserError(why)));
  try {
    if (prepare) await prepare(lock.identity);
    await store.claim(lock.identity);
    const kind = kindOf(store.journal);
    const ctx: RollContext = { cluster, store, reach: (record) => reacher.reach(record.name), kind, events: renderEvents, signal: lost.signal };
    await run(ctx);
    log(`${PURPOSES[kind.purpose].prefix} ${apiRequests.count} API request(s) by this process${sshSummary(session.hosts.dials())}`);
  } finally {
    await lock.release();
  }
}

/** The journal's roll of `purpose`, to resume: refused when there is none, or the unfinished one is of another purpose. */
export async function loadForResume(session: RollSession, purpose: RollPurpose): Promise<RollJournal> {
  const journal = await session.store.load();
  if (!journal || !isActive(journal)) throw new UserError(`no node roll to resume${journal ? ` (the last one, ${journal.id}, is ${journal.state})` : ''}`);
  if (purposeOf(journal) !== purpose) throw new UserError(unfinishedMessage(journal, purpose));
  const unreachable = pendingNodes(journal).filter((name) => !session.reacher.knows(name));
  if (unreachable.length) throw new UserError(`cannot resume: no inventory names ${unreachable.join(', ')}; pass the roll's --inventory again`);
  return journal;
}

export const pendingNodes = (journal: RollJournal): string[] =>
  Object.values(journal.nodes)
    .filter((n) => !nodeDone(n))
    .map((n) => n.name);

export const resumeLine = (journal: RollJournal, what: string) =>
  `${PURPOSES[purposeOf(journal)].prefix} Resuming roll ${journal.id} to ${what}: ${progress(journal)}`;

/** `--abort`: asks whoever runs the roll to stop, or ends it here when nobody runs it. */
export async function abortCommand(session: RollSession, purpose: RollPurpose, kindOf: (journal: RollJournal) => RollKind): Promise<void> {
  const journal = await session.store.requestAbort(purpose);
  const holder = await RollLock.holder(session.cluster);
  const { prefix } = PURPOSES[purpose];
  if (holder?.live) {
    return log(`${prefix} Abort requested: the roll run by ${holder.identity} stops after its current node(s) and uncordons what it cordoned`);
  }
  log(`${prefix} Aborting roll ${journal.id} (nobody runs it)`);
  await runLocked(session, kindOf, abortRoll);
}

/** `, 7 SSH host(s), 7 connection(s)`: one connection per host unless one dropped. */
function sshSummary(dials: Record<string, number>): string {
  const counts = Object.values(dials);
  return counts.length ? `, ${counts.length} SSH host(s), ${counts.reduce((a, b) => a + b, 0)} connection(s)` : '';
}

export const defaultJournalDir = (env: CommandEnvironment) => path.join(env.stateHome ?? path.join(env.home, '.local', 'state'), 'bosun');

/** The flags every roll command has: which nodes, how many at once, timing, how nodes are reached, the journal, the drain. */
export function addRollFlags(cmd: Command, env: CommandEnvironment, workers: string): Command {
  cmd
    .addOption(kubeconfigOption())
    .option('--max-unavailable <n|p%>', `workers ${workers} at once: a count or a percentage of the workers`, '1')
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
  return addHostFlags(addDrainFlags(cmd));
}

/** Runs one of a roll command's three modes (start, `--resume`, `--abort`) on a session closed afterwards. */
export async function rollAction<F extends RollFlags, S extends RollSession>(
  flags: F,
  connect: () => Promise<S>,
  modes: { start(session: S): Promise<void>; resume(session: S): Promise<void>; abort(session: S): Promise<void> },
): Promise<void> {
  if (flags.resume && flags.abort) throw new UserError('--resume and --abort exclude each other');
  const session = await connect();
  try {
    await (flags.abort ? modes.abort : flags.resume ? modes.resume : modes.start)(session);
  } finally {
    await session.hosts.close();
  }
}
