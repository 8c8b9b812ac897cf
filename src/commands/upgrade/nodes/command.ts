import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Cluster } from '../../../cluster/cluster.js';
import type { ConfigMap } from '../../../kube/objects.js';
import { apiRequests } from '../../../cluster/transport.js';
import { openDoors } from '../../../workflow/doors.js';
import { printDryRunReport } from '../../../workflow/dry-run-output.js';
import { kubeconfigOption, kubeconfigSearch, type CommandEnvironment } from '../../../workflow/flags.js';
import { addDrainFlags, drainOptions, durationSeconds, type DrainFlags } from '../../drain/flags.js';
import { planDrain } from '../../../drain/planner/plan.js';
import type { Node, Pod, PodDisruptionBudget } from '../../../kube/workloads.js';
import { UserError } from '../../../errors.js';
import { parseYaml } from '../../../util/yaml.js';
import { parseKubernetesVersion } from '../../../versions/skew.js';
import { confirm } from '../confirm.js';
import { isActive, newJournal, progress, type RollSettings } from '../../../roll/journal/journal.js';
import { processIdentity, RollLock } from '../../../roll/journal/lock.js';
import { JournalStore, localJournalFile } from '../../../roll/journal/store.js';
import { executorChooser, readInventory, sandboxDirOf } from '../../../roll/executors.js';
import { healthBaseline } from '../../../roll/gate.js';
import { parseMaxUnavailable, planRoll, type RollPlan } from '../../../roll/plan.js';
import { abortRoll, runRoll, type RollContext } from '../../../roll/roll.js';

interface NodesFlags extends DrainFlags {
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

/** The kubelet version to roll to: `--version`, else the ClusterConfiguration's; never newer than the API server. */
async function targetVersion(cluster: Cluster, flag: string | undefined): Promise<string> {
  const [cm, version] = await Promise.all([
    cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kubeadm-config' }),
    cluster.raw('/version'),
  ]);
  const configured = (parseYaml(cm?.data?.ClusterConfiguration ?? '{}') as { kubernetesVersion?: string } | null)?.kubernetesVersion;
  const server = (JSON.parse(version.body) as { gitVersion?: string }).gitVersion;
  const target = flag ?? configured ?? server;
  const wanted = target && parseKubernetesVersion(target);
  if (!wanted) throw new UserError(`--version: expected a Kubernetes version such as v1.37.1, got "${target}"`);
  const running = server && parseKubernetesVersion(server);
  if (running && wanted.compare(running) > 0) {
    throw new UserError(`kubelet ${target} would be newer than the API server (${server}): upgrade the control plane first ("bosun upgrade apply ${target}")`);
  }
  return `v${wanted.version}`;
}

function describePlan(plan: RollPlan, target: string): string {
  const lines = [`[upgrade/nodes] Rolling ${plan.nodes.length} node(s) to kubelet ${target} in ${plan.batches.length} batch(es):`];
  plan.batches.forEach((batch, i) => lines.push(`  batch ${i + 1}: ${batch.join(', ')}`));
  for (const s of plan.skipped) lines.push(`  skipped ${s.node}: ${s.reason}`);
  const byExecutor = new Map<string, string[]>();
  for (const n of plan.nodes) byExecutor.set(n.executor, [...(byExecutor.get(n.executor) ?? []), n.name]);
  for (const [kind, nodes] of byExecutor) lines.push(`  executor ${kind}: ${nodes.length} node(s)`);
  if (plan.nodes[0]) lines.push(`  steps per node: ${plan.nodes[0].steps.join(' → ')}`);
  return lines.join('\n');
}

/** The drain forecast of the first batch, for --dry-run: what it evicts, waits on and refuses. */
async function forecast(cluster: Cluster, plan: RollPlan, settings: RollSettings, nodes: Node[]): Promise<string> {
  const [pods, pdbs, daemonSets] = await Promise.all([
    cluster.list<Pod>('v1', 'Pod', { labelSelector: settings.drain.podSelector }),
    cluster.list<PodDisruptionBudget>('policy/v1', 'PodDisruptionBudget'),
    cluster.list('apps/v1', 'DaemonSet'),
  ]);
  const lines: string[] = [];
  for (const [i, batch] of plan.batches.entries()) {
    const drain = planDrain({ nodes: batch, pods, pdbs, daemonSets: new Set(daemonSets.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)), clusterNodes: nodes, options: settings.drain, now: Date.now() });
    const evicted = drain.pods.filter((p) => p.action === 'evict' || p.action === 'delete').length;
    const waits = drain.budgets.filter((b) => b.rounds > 0).map((b) => `${b.pdb} (${b.rounds} wait(s))`);
    lines.push(`  batch ${i + 1}: evicts ${evicted} pod(s)${waits.length ? `, waits on ${waits.join(', ')}` : ''}; ${drain.capacity.summary}`);
    for (const blocker of drain.blockers) lines.push(`    blocker: ${blocker}`);
  }
  return `[upgrade/nodes] Drain forecast (from the pods as they are now):\n${lines.join('\n')}`;
}

async function connect(flags: NodesFlags, env: CommandEnvironment) {
  const doors = openDoors({ dryRun: flags.dryRun, kubeconfig: kubeconfigSearch(flags.kubeconfig, env) });
  const [cluster, kubeconfig] = await Promise.all([doors.cluster(), doors.kubeconfig()]);
  return { doors, cluster, kubeconfig, store: new JournalStore(cluster, localJournalFile(flags.journalDir, kubeconfig)) };
}

/**
 * Takes the lock, then runs `run` on the store's roll (after `prepare` wrote a new one, for a new roll); the lock
 * is given back however it ends.
 */
async function runLocked(
  cluster: Cluster,
  store: JournalStore,
  kubeconfig: string,
  flags: NodesFlags,
  run: typeof runRoll,
  prepare?: (holder: string) => Promise<void>,
): Promise<void> {
  const lost = new AbortController();
  // Every node's drain and wait listens to it.
  setMaxListeners(0, lost.signal);
  const lock = await RollLock.acquire(cluster, processIdentity(), (why) => lost.abort(new UserError(why)));
  try {
    if (prepare) await prepare(lock.identity);
    await store.claim(lock.identity);
    const chooser = executorChooser(readInventory(flags.inventory, flags.executor), sandboxDirOf(kubeconfig));
    const executors = new Map<string, ReturnType<typeof chooser.create>>();
    const ctx: RollContext = {
      cluster,
      store,
      executor: (record) => {
        if (!executors.has(record.name)) executors.set(record.name, chooser.create(record.name, record.executor));
        return executors.get(record.name)!;
      },
      log,
      signal: lost.signal,
    };
    await run(ctx);
    log(`[upgrade/nodes] ${apiRequests.count} API request(s) by this process`);
  } finally {
    await lock.release();
  }
}

async function startRoll(flags: NodesFlags, env: CommandEnvironment): Promise<void> {
  const { doors, cluster, kubeconfig, store } = await connect(flags, env);
  const existing = await store.load();
  if (existing && isActive(existing)) {
    throw new UserError(`a node roll (${existing.id}) is unfinished (${progress(existing)}): "bosun upgrade nodes --resume" continues it, "--abort" ends it`);
  }
  const target = await targetVersion(cluster, flags.version);
  const [nodes, pods] = await Promise.all([
    cluster.list<Node>('v1', 'Node', { labelSelector: flags.nodeSelector }),
    cluster.list<Pod>('v1', 'Pod'),
  ]);
  const chooser = executorChooser(readInventory(flags.inventory, flags.executor), sandboxDirOf(kubeconfig));
  const settings: RollSettings = {
    maxUnavailable: parseMaxUnavailable(flags.maxUnavailable),
    order: flags.order,
    nodeSelector: flags.nodeSelector,
    pauseBetweenSeconds: flags.pauseBetween,
    healthTimeoutSeconds: flags.healthTimeout,
    // A roll always leaves DaemonSet pods in place, as the upgrade guides' `kubectl drain --ignore-daemonsets`.
    drain: drainOptions(flags, true),
  };
  const plan = planRoll({ nodes, target, maxUnavailable: settings.maxUnavailable, order: settings.order, executorFor: chooser.kindOf });
  log(describePlan(plan, target));
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
  await runLocked(cluster, store, kubeconfig, flags, runRoll, async (holder) => {
    journal.holder = holder;
    await store.create(journal);
    log(`[upgrade/nodes] Journal: ConfigMap kube-system/bosun-node-roll and ${store.localFile}`);
  });
}

async function resumeRoll(flags: NodesFlags, env: CommandEnvironment): Promise<void> {
  const { cluster, kubeconfig, store } = await connect(flags, env);
  const journal = await store.load();
  if (!journal || !isActive(journal)) throw new UserError(`no node roll to resume${journal ? ` (the last one, ${journal.id}, is ${journal.state})` : ''}`);
  log(`[upgrade/nodes] Resuming roll ${journal.id} to kubelet ${journal.target}: ${progress(journal)}`);
  await runLocked(cluster, store, kubeconfig, flags, runRoll);
}

async function abortCommand(flags: NodesFlags, env: CommandEnvironment): Promise<void> {
  const { cluster, kubeconfig, store } = await connect(flags, env);
  const journal = await store.requestAbort();
  const holder = await RollLock.holder(cluster);
  if (holder?.live) {
    return log(`[upgrade/nodes] Abort requested: the roll run by ${holder.identity} stops after its current node(s) and uncordons what it cordoned`);
  }
  log(`[upgrade/nodes] Aborting roll ${journal.id} (nobody runs it)`);
  await runLocked(cluster, store, kubeconfig, flags, abortRoll);
}

const defaultJournalDir = (env: CommandEnvironment) => path.join(env.stateHome ?? path.join(env.home, '.local', 'state'), 'bosun');

/** `bosun upgrade nodes`: the rolling upgrade of every node's kubelet, from one place. */
export function registerUpgradeNodes(upgrade: Command, env: CommandEnvironment): void {
  const cmd = upgrade
    .command('nodes')
    .description('Roll every node to the new kubelet: control-plane nodes one at a time, then workers in batches; cordon, drain, upgrade, wait Ready, uncordon')
    .addOption(kubeconfigOption())
    .option('--version <version>', 'kubelet version to roll to (default: the ClusterConfiguration\'s kubernetesVersion)')
    .option('--max-unavailable <n|p%>', 'workers upgraded at once: a count or a percentage of the workers', '1')
    .option('--node-selector <selector>', 'only the nodes matching this label selector')
    .addOption(new Option('--order <order>', 'worker order: by name, or by zone (a batch never spans two zones)').choices(['name', 'zone']).default('name'))
    .addOption(new Option('--pause-between <duration>', 'wait this long between batches (--abort ends the wait)').default(0).argParser(durationSeconds('--pause-between')))
    .addOption(new Option('--health-timeout <duration>', 'how long a node may take to be Ready again, and the cluster to be healthy between batches')
      .default(300, '5m').argParser(durationSeconds('--health-timeout')))
    .option('--inventory <file>', 'which executor runs each node\'s steps (nodes: [{name, executor: local|sandbox, rootfs, kubeletInstall}])')
    .option('--executor <node=kind>', 'executor for one node (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--journal-dir <dir>', 'where the local copy of the journal is kept', defaultJournalDir(env))
    .option('-y, --yes', 'do not prompt for confirmation')
    .option('--resume', 'continue the unfinished roll from its journal')
    .option('--abort', 'stop the roll after its current node(s) and uncordon what it cordoned')
    .option('--dry-run', 'print the plan and the drain forecast; change nothing');
  addDrainFlags(cmd).action((flags: NodesFlags) => {
    if (flags.resume && flags.abort) throw new UserError('--resume and --abort exclude each other');
    return flags.abort ? abortCommand(flags, env) : flags.resume ? resumeRoll(flags, env) : startRoll(flags, env);
  });
}
