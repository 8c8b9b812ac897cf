/**
 * `bosun apply -f cluster.yaml`: makes the cluster the file describes on its hosts. Reach every host (host keys,
 * login, root), look at each one's disk, run preflight on every host that will change (one table of what each
 * lacks), show the plan, ask (unless --yes), act (act.ts). A cluster that already matches changes nothing.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Node } from '../../kube/workloads.js';
import { download } from '../../host/download.js';
import { LocalHost } from '../../host/local.js';
import { readClusterFile, type ClusterDefinition } from '../../inventory/cluster.js';
import { generateCertificateKey } from '../../tokens/certs-secret.js';
import { generateToken } from '../../tokens/token.js';
import { KeyPool } from '../../pki/key-pool.js';
import { openDoors } from '../../workflow/doors.js';
import { printDryRunReport } from '../../workflow/dry-run-output.js';
import { engineOptions, withProgressOption } from '../../workflow/cli.js';
import { noProgress } from '../../workflow/events.js';
import type { CommandEnvironment } from '../../workflow/flags.js';
import { runWorkflow } from '../../workflow/run.js';
import { initPhases } from '../init/phases.js';
import { ADMIN_CONF } from '../join/session.js';
import { confirm } from '../../workflow/confirm.js';
import { addHostFlags, NodeHosts, type HostFlags } from '../../roll/hosts.js';
import { KubeletDownloads } from '../upgrade/nodes/kubelet-binary.js';
import { act, waitNodesReady, type ApplyRun } from './act.js';
import { convergeAddons } from './addons.js';
import type { Cluster } from '../../cluster/cluster.js';
import { RecordingCluster } from '../../cluster/recording.js';
import { apiServerEndpoint, hostFacts, initConfigFor, joinConfigFor, kubernetesVersion, type RunSecrets } from './configs.js';
import { changes, planApply, planTable, table, upgradeText, type ApplyPlan } from './plan.js';
import { checkResetHosts, planDepartures } from './prune-plan.js';
import { keptText, pruneRun, removeDepartures } from './prune.js';
import { planUpgrade, upgradeCluster } from './upgrade.js';
import { ApplyProgress } from './progress.js';
import { preflightHosts, preflightReport, type HostConfigs } from './preflight.js';
import { clearLeftovers, findState, type FoundState } from './resume.js';
import type { EnvVar } from '../../config/types.js';
import { reachHosts, surveyHosts, type SurveyedHost } from './survey.js';

interface ApplyFlags extends HostFlags {
  filename: string;
  yes?: boolean;
  dryRun?: boolean;
  prune?: boolean;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** Every changing host's configurations, as preflight judges them (the CA's pin is not known before init: a placeholder). */
function hostConfigs(plan: ApplyPlan, def: ApplyRun['def'], surveyed: Map<string, SurveyedHost>, secrets: RunSecrets): Map<string, HostConfigs> {
  const configs = new Map<string, HostConfigs>();
  const endpoint = apiServerEndpoint(def, plan.leader, hostFacts(plan.leader, surveyed.get(plan.leader.name)!.machine));
  for (const h of plan.hosts.filter((p) => p.action !== 'none')) {
    const facts = hostFacts(h.host, surveyed.get(h.host.name)!.machine);
    const init = h.host.role === 'control-plane' ? initConfigFor(def, h.host, facts, secrets) : undefined;
    const join = h.action === 'init' ? undefined : joinConfigFor(def, h.host, facts, secrets, { endpoint, caCertHash: `sha256:${'0'.repeat(64)}` });
    configs.set(h.host.name, { init, join });
  }
  return configs;
}

/** The summary: host, role, kubelet version, Ready, time this run spent on it. */
function summary(plan: ApplyPlan, nodes: Map<string, Node | undefined>, timings: ReadonlyMap<string, number>): string {
  const rows = plan.hosts.map((h) => {
    const node = nodes.get(h.host.name);
    const ready = node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const ms = timings.get(h.host.name);
    return [
      h.host.name,
      h.host.role,
      node?.status?.nodeInfo?.kubeletVersion ?? '-',
      ready ? 'Ready' : 'NotReady',
      ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`,
    ];
  });
  return table([['HOST', 'ROLE', 'KUBELET', 'READY', 'TIME'], ...rows]);
}

/**
 * The plan from what the hosts' disks say and what the cluster (if one answers) and an interrupted run's journal
 * say: hosts to init, join or finish; the upgrade the file's version asks for; Nodes the file no longer keeps.
 */
async function planRun(def: ClusterDefinition, surveyed: Map<string, SurveyedHost>, flags: ApplyFlags, version: string) {
  const staying = def.hosts.filter((h) => !h.reset);
  const surveys = new Map([...surveyed].map(([name, s]) => [name, s.survey]));
  checkResetHosts(def.hosts, surveys);
  const found = await findState([...surveyed.values()].filter((s) => !s.host.reset));
  const upgrade = found.cluster && (await planUpgrade(found.cluster, path.resolve(flags.filename), version));
  const departures = planDepartures(def.hosts, surveys, found.nodes, Boolean(flags.prune));
  const nodeNames = found.nodes && new Set(found.nodes.map((n) => n.metadata.name));
  return { plan: { ...planApply(staying, surveys, nodeNames, version, found.journal, departures), upgrade }, found };
}

/** Nothing to do on the hosts: an interrupted run's leftovers cleared, then the file's addons (a dry run: on a door that records). */
async function nodesMatch(def: ClusterDefinition, flags: ApplyFlags, plan: ApplyPlan, found: FoundState, proxyEnv: EnvVar[]): Promise<void> {
  if (!flags.dryRun && found.cluster) await clearLeftovers(found.cluster, found, log);
  log(`[apply] The cluster matches ${flags.filename}: every host is a node of it; nothing to do${keptText(plan)}`);
  if (!found.cluster) return;
  if (flags.dryRun && def.addons.length) log('[dryrun] The addons, run on a door that records: nothing is changed');
  await convergeAddons(flags.dryRun ? new RecordingCluster(found.cluster) : found.cluster, def.addons, proxyEnv, log);
}

async function runApply(flags: ApplyFlags, env: CommandEnvironment, cmd: Command): Promise<void> {
  const { sink, signal } = engineOptions(cmd);
  const progress = new ApplyProgress(sink ?? noProgress);
  const local = new LocalHost('/');
  const def = await readClusterFile(local, path.resolve(flags.filename), '-f');
  const version = kubernetesVersion(def);
  const hosts = new NodeHosts(flags, env);
  try {
    log(`[apply] Reaching ${def.hosts.length} hosts of ${flags.filename}`);
    await reachHosts(def, hosts.open, flags.parallel);
    const surveyed = new Map((await surveyHosts(def.hosts, hosts.open, flags.parallel)).map((s) => [s.host.name, s]));
    const { plan, found } = await planRun(def, surveyed, flags, version);
    const leaderEnv = () => hostFacts(plan.leader, surveyed.get(plan.leader.name)!.machine).proxyEnv();
    if (!changes(plan)) return await nodesMatch(def, flags, plan, found, leaderEnv());
    const joiningControlPlanes = plan.hosts.some((h) => h.action === 'join-control-plane');
    const secrets: RunSecrets = { token: generateToken(), ...(joiningControlPlanes && { certificateKey: generateCertificateKey() }) };
    const configs = hostConfigs(plan, def, surveyed, secrets);
    log('[preflight] Running pre-flight checks on every host that will change');
    // A step an interrupted run started was checked before it: its host is half done, and finished as it is.
    log(
      preflightReport(
        await preflightHosts(
          plan.hosts.filter((h) => !h.resumed),
          surveyed,
          configs,
          flags.parallel,
          version,
        ),
      ).trimEnd(),
    );
    log(`\n[apply] The plan for ${version}:\n${planTable(plan, version)}${upgradeText(plan)}`);
    const leaderConfig =
      configs.get(plan.leader.name)?.init ?? initConfigFor(def, plan.leader, hostFacts(plan.leader, surveyed.get(plan.leader.name)!.machine), secrets);
    if (flags.dryRun) return await dryRun(plan, surveyed, leaderConfig, progress);
    if (!flags.yes) await confirm('Apply this plan?');
    const run: ApplyRun = {
      def,
      plan,
      surveyed,
      leaderConfig,
      secrets,
      version,
      parallel: flags.parallel,
      local,
      downloads: new KubeletDownloads(download),
      progress,
      signal,
    };
    if (plan.upgrade) {
      const leader = surveyed.get(plan.leader.name)!;
      await upgradeCluster({
        change: plan.upgrade,
        file: path.resolve(flags.filename),
        leader: { name: leader.host.name, node: leader.node },
        hostFlags: flags,
        env,
        sink: progress.phases(leader.host.name),
      });
    }
    progress.planned(plan);
    let cluster: Cluster | undefined;
    const ready = await progress.drawn(async () => {
      cluster = await act(run);
      await removeDepartures(pruneRun(run, cluster), plan.departures);
      progress.log('[apply] Waiting for every Node to be Ready');
      return waitNodesReady(
        cluster,
        plan.hosts.map((h) => h.host.name),
        progress,
      );
    });
    log(`\n${summary(plan, ready, progress.timings)}`);
    await convergeAddons(cluster!, def.addons, leaderEnv(), log);
  } finally {
    await hosts.close();
  }
}

/** `--dry-run`: the plan (printed), and init's phases on the leader through doors that record: the dry-run report. */
async function dryRun(plan: ApplyPlan, surveyed: Map<string, SurveyedHost>, leaderConfig: ApplyRun['leaderConfig'], progress: ApplyProgress): Promise<void> {
  if (!plan.hosts.some((h) => h.action === 'init')) {
    return log('[dryrun] Would act on the hosts and nodes as the plan above says; nothing was changed');
  }
  const leader = surveyed.get(plan.leader.name)!;
  const doors = openDoors({ dryRun: true, kubeconfig: ADMIN_CONF }, leader.node);
  const ctx = {
    cfg: leaderConfig,
    host: doors.host,
    options: { ignorePreflightErrors: new Set<string>(), uploadCerts: false, skipTokenPrint: true, skipCertificateKeyPrint: true, kubeconfigPath: ADMIN_CONF },
    keys: new KeyPool(),
    cluster: doors.cluster,
    machine: leader.machine,
  };
  await progress.drawn(() => runWorkflow(initPhases, ctx, { skip: ['show-join-command'], sink: progress.phases(plan.leader.name) }));
  printDryRunReport(doors, 'text', { whenEmpty: true });
  log('[dryrun] Then: kubelets installed and hosts joined as the plan says; nothing was changed');
}

export function registerApply(program: Command, env: CommandEnvironment): void {
  addHostFlags(
    withProgressOption(
      program
        .command('apply')
        .description('Make the cluster a cluster file describes: reach its hosts over SSH, init the first control plane, join the rest')
        .requiredOption('-f, --filename <file>', 'the cluster file (kind: Cluster, hosts and the kubeadm configuration)')
        .option('-y, --yes', 'do not ask before changing the hosts')
        .option('--dry-run', 'print the plan and what init would do; change nothing')
        .option('--prune', 'remove the nodes the file does not name, and the hosts it marks reset: true (drain, etcd member, Node, files)'),
    ),
  ).action((opts: ApplyFlags, cmd: Command) => runApply(opts, env, cmd));
}
