/**
 * `bosun apply -f cluster.yaml`: makes the cluster the file describes on its hosts. Reach every host (host keys,
 * login, root), look at each one's disk, run preflight on every host that will change (one table of what each
 * lacks), show the plan, ask (unless --yes), act (act.ts). A cluster that already matches changes nothing.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { connectCluster } from '../../cluster/connect.js';
import type { Node } from '../../kube/workloads.js';
import { download } from '../../host/download.js';
import { LocalHost } from '../../host/local.js';
import { readClusterFile } from '../../inventory/cluster.js';
import { generateCertificateKey } from '../../tokens/certs-secret.js';
import { generateToken } from '../../tokens/token.js';
import { KeyPool } from '../../pki/key-pool.js';
import { openDoors } from '../../workflow/doors.js';
import { printDryRunReport } from '../../workflow/dry-run-output.js';
import type { EventSink } from '../../workflow/events.js';
import type { CommandEnvironment } from '../../workflow/flags.js';
import { runWorkflow } from '../../workflow/run.js';
import { initPhases } from '../init/phases.js';
import { ADMIN_CONF } from '../join/session.js';
import { confirm } from '../upgrade/confirm.js';
import { addHostFlags, NodeHosts, type HostFlags } from '../upgrade/nodes/hosts.js';
import { KubeletDownloads } from '../upgrade/nodes/kubelet-binary.js';
import { act, waitNodesReady, type ApplyRun } from './act.js';
import { apiServerEndpoint, hostFacts, initConfigFor, joinConfigFor, kubernetesVersion, type RunSecrets } from './configs.js';
import { changes, planApply, planTable, table, upgradeText, type ApplyPlan, type VersionChange } from './plan.js';
import { checkResetHosts, planDepartures } from './prune-plan.js';
import { keptText, pruneRun, removeDepartures } from './prune.js';
import { planUpgrade, upgradeCluster } from './upgrade.js';
import { preflightHosts, preflightReport, type HostConfigs } from './preflight.js';
import { surveyHosts, type SurveyedHost } from './survey.js';

interface ApplyFlags extends HostFlags {
  filename: string;
  yes?: boolean;
  dryRun?: boolean;
  prune?: boolean;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** A host's progress as plain lines under its name. */
const hostSink =
  (host: string): EventSink =>
  (event) => {
    if (event.type === 'log') log(`[${host}] ${event.line}`);
    if (event.type === 'failed') log(`[${host}] phase ${event.path} failed: ${event.error}`);
  };

/** The cluster's Nodes, and the upgrade the file asks for, when the leader's admin.conf reaches a cluster. */
async function clusterNodes(leader: SurveyedHost, file: string, version: string): Promise<{ nodes?: Node[]; upgrade?: VersionChange }> {
  if (!leader.survey.adminConf) return {};
  const cluster = await connectCluster(leader.node, ADMIN_CONF);
  return { upgrade: await planUpgrade(cluster, file, version), nodes: await cluster.list<Node>('v1', 'Node') };
}

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
function summary(plan: ApplyPlan, nodes: Map<string, Node | undefined>, timings: Map<string, number>): string {
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

async function runApply(flags: ApplyFlags, env: CommandEnvironment): Promise<void> {
  const local = new LocalHost('/');
  const def = await readClusterFile(local, path.resolve(flags.filename), '-f');
  const version = kubernetesVersion(def);
  const hosts = new NodeHosts(flags, env);
  try {
    log(`[apply] Reaching ${def.hosts.length} hosts of ${flags.filename}`);
    await hosts.verify(def.hosts);
    const surveyed = new Map((await surveyHosts(def.hosts, hosts.open, flags.parallel)).map((s) => [s.host.name, s]));
    const staying = def.hosts.filter((h) => !h.reset);
    const surveys = new Map([...surveyed].map(([name, s]) => [name, s.survey]));
    checkResetHosts(def.hosts, surveys);
    const leaderGuess = staying.find((h) => h.role === 'control-plane' && surveys.get(h.name)!.adminConf);
    const { nodes, upgrade } = leaderGuess ? await clusterNodes(surveyed.get(leaderGuess.name)!, path.resolve(flags.filename), version) : {};
    const departures = planDepartures(def.hosts, surveys, nodes, Boolean(flags.prune));
    const plan = { ...planApply(staying, surveys, nodes && new Set(nodes.map((n) => n.metadata.name)), version, departures), upgrade };
    if (!changes(plan)) return log(`[apply] The cluster matches ${flags.filename}: every host is a node of it; nothing to do${keptText(plan)}`);
    const joiningControlPlanes = plan.hosts.some((h) => h.action === 'join-control-plane');
    const secrets: RunSecrets = { token: generateToken(), ...(joiningControlPlanes && { certificateKey: generateCertificateKey() }) };
    const configs = hostConfigs(plan, def, surveyed, secrets);
    log('[preflight] Running pre-flight checks on every host that will change');
    log(preflightReport(await preflightHosts(plan.hosts, surveyed, configs, flags.parallel)).trimEnd());
    log(`\n[apply] The plan for ${version}:\n${planTable(plan, version)}${upgradeText(plan)}`);
    const leaderConfig =
      configs.get(plan.leader.name)?.init ?? initConfigFor(def, plan.leader, hostFacts(plan.leader, surveyed.get(plan.leader.name)!.machine), secrets);
    if (flags.dryRun) return await dryRun(plan, surveyed, leaderConfig);
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
      log,
      sinkFor: hostSink,
    };
    if (upgrade) {
      const leader = surveyed.get(plan.leader.name)!;
      const file = path.resolve(flags.filename);
      await upgradeCluster({
        change: upgrade,
        file,
        leader: { name: leader.host.name, node: leader.node },
        hostFlags: flags,
        env,
        sink: hostSink(leader.host.name),
      });
    }
    const { timings, cluster } = await act(run);
    await removeDepartures(pruneRun(run, cluster), plan.departures);
    log('[apply] Waiting for every Node to be Ready');
    const ready = await waitNodesReady(
      cluster,
      plan.hosts.map((h) => h.host.name),
    );
    log(`\n${summary(plan, ready, timings)}`);
  } finally {
    await hosts.close();
  }
}

/** `--dry-run`: the plan (printed), and init's phases on the leader through doors that record: the dry-run report. */
async function dryRun(plan: ApplyPlan, surveyed: Map<string, SurveyedHost>, leaderConfig: ApplyRun['leaderConfig']): Promise<void> {
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
  await runWorkflow(initPhases, ctx, { skip: ['show-join-command'], sink: hostSink(plan.leader.name) });
  printDryRunReport(doors, 'text', { whenEmpty: true });
  log('[dryrun] Then: kubelets installed and hosts joined as the plan says; nothing was changed');
}

export function registerApply(program: Command, env: CommandEnvironment): void {
  addHostFlags(
    program
      .command('apply')
      .description('Make the cluster a cluster file describes: reach its hosts over SSH, init the first control plane, join the rest')
      .requiredOption('-f, --filename <file>', 'the cluster file (kind: Cluster, hosts and the kubeadm configuration)')
      .option('-y, --yes', 'do not ask before changing the hosts')
      .option('--dry-run', 'print the plan and what init would do; change nothing')
      .option('--prune', 'remove the nodes the file does not name, and the hosts it marks reset: true (drain, etcd member, Node, files)'),
  ).action((opts: ApplyFlags) => runApply(opts, env));
}
