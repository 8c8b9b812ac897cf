import { Command, Option } from 'commander';
import { parseDuration } from '../../config/duration.js';
import { nodeFacts } from '../../config/node-facts.js';
import { DEFAULTS } from '../../config/defaults.js';
import type { Node, Pod, PodDisruptionBudget } from '../../kube/workloads.js';
import { UserError } from '../../errors.js';
import { readText } from '../../host/host.js';
import { localMachineFacts } from '../../host/machine.js';
import { manifestPath } from '../../manifests/static-pods.js';
import { DEFAULT_CONTEXT_LINES, fileDiff } from '../../util/file-diff.js';
import { describeViolations, upgradeTargets, type SkewOverride } from '../../versions/skew.js';
import { addPhaseCommands, engineOptions, withProgressOption } from '../../workflow/cli.js';
import { openDoors, type Doors } from '../../workflow/doors.js';
import { checkReportOutput, printDryRunReport, reportOutputOption } from '../../workflow/dry-run-output.js';
import { commaList as list, kubeconfigOption, kubeconfigSearch, type CommandEnvironment } from '../../workflow/flags.js';
import type { Phase } from '../../workflow/phase.js';
import { runWorkflow } from '../../workflow/run.js';
import { readClusterState } from './cluster-state.js';
import { confirm } from '../../workflow/confirm.js';
import type { UpgradeContext, UpgradeOptions } from './context.js';
import { forecastDrains } from './forecast.js';
import { KUBELET_INSTALLERS } from './kubelet.js';
import { upgradeContext } from './make-context.js';
import { parseMaxUnavailable } from '../../roll/plan.js';
import { applyPhases, nodePhases } from './phases.js';
import { checkVersionPolicy } from './phases/preflight.js';
import { formatPlan, type PlanFormat } from './plan-output.js';
import { nodeTarget, planUpgrade, RefusedUpgrade } from './plan.js';
import { interruptedRun } from './resume.js';
import { desiredStaticPods } from './static-pod.js';
import { registerUpgradeNodes } from './nodes/command.js';

/** `--flag`, `--flag=true`, `--flag=false`, as kubeadm's boolean flags take them. */
function bool(flag: string) {
  return (value: string): boolean => {
    if (/^(true|1|t)$/i.test(value)) return true;
    if (/^(false|0|f)$/i.test(value)) return false;
    throw new UserError(`${flag}: expected true or false, got "${value}"`);
  };
}

function duration(flag: string) {
  return (value: string): number => {
    const ns = parseDuration(value);
    if (ns === undefined || ns <= 0n) throw new UserError(`${flag}: "${value}" is not a positive duration such as 5m0s or 90s`);
    return Number(ns / 1_000_000n);
  };
}

interface CliOptions {
  kubeconfig?: string;
  rootfs?: string;
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
  allowExperimentalUpgrades?: boolean;
  allowReleaseCandidateUpgrades?: boolean;
  certificateRenewal: boolean;
  etcdUpgrade: boolean;
  ignorePreflightErrors?: string[];
  skipPhases?: string[];
  timeout: number;
  nodeName?: string;
  kubeletInstall?: string;
  output: PlanFormat;
  maxUnavailable: string;
  contextLines: number;
}

const clusterFlags = (cmd: Command) =>
  cmd.addOption(kubeconfigOption()).option('--rootfs <dir>', "the node's root directory, when it is not / (the kubeconfig is looked for there too)");

const versionFlags = (cmd: Command) =>
  cmd
    .option('-f, --force', 'upgrade even where an overridable version rule forbids it (an unknown patch release, kubelet or control-plane skew)')
    .option('--allow-experimental-upgrades', 'allow upgrades to alpha, beta and release-candidate versions')
    .option('--allow-release-candidate-upgrades', 'allow upgrades to release-candidate versions');

function changeFlags(cmd: Command): Command {
  return withProgressOption(versionFlags(clusterFlags(cmd)))
    .option('--dry-run', 'change nothing; print the new manifests as diffs and every other change')
    .addOption(reportOutputOption())
    .addOption(
      new Option('--certificate-renewal [bool]', "renew each component's certificates before restarting it")
        .default(true)
        .argParser(bool('--certificate-renewal')),
    )
    .addOption(new Option('--etcd-upgrade [bool]', 'upgrade the local etcd').default(true).argParser(bool('--etcd-upgrade')))
    .option('--ignore-preflight-errors <checks>', 'preflight checks whose errors become warnings (all ignores all)', list)
    .option('--skip-phases <phases>', 'phases to skip', list)
    .addOption(
      new Option('--timeout <duration>', 'how long each component may take to restart and become healthy before it is rolled back')
        .default(duration('--timeout')(DEFAULTS.timeouts.upgradeManifests), DEFAULTS.timeouts.upgradeManifests)
        .argParser(duration('--timeout')),
    )
    .option('--node-name <name>', "this node's name, when kubelet.conf does not tell it");
}

function overridesOf(opts: CliOptions): Set<SkewOverride> {
  const overrides = new Set<SkewOverride>();
  if (opts.force) overrides.add('--force');
  if (opts.allowExperimentalUpgrades) overrides.add('--allow-experimental-upgrades');
  if (opts.allowReleaseCandidateUpgrades) overrides.add('--allow-release-candidate-upgrades');
  return overrides;
}

function upgradeOptions(opts: CliOptions, kubeconfigPath: string): UpgradeOptions {
  return {
    overrides: overridesOf(opts),
    ignorePreflightErrors: new Set((opts.ignorePreflightErrors ?? []).map((s) => s.toLowerCase())),
    certificateRenewal: opts.certificateRenewal,
    etcdUpgrade: opts.etcdUpgrade,
    timeoutMs: opts.timeout,
    kubeconfigPath,
    nodeName: opts.nodeName,
  };
}

/** One of the phase trees, how its context is made, and what runs before it (apply asks for confirmation). */
interface UpgradeRunner {
  tree: Phase<UpgradeContext>[];
  context(opts: CliOptions, doors: Doors, kubeconfig: string): UpgradeContext;
  before?(ctx: UpgradeContext, opts: CliOptions): Promise<void>;
}

/** The doors of a command on this node: the node under --rootfs, the cluster of the kubeconfig found there. */
const nodeDoors = (opts: CliOptions, env: CommandEnvironment) =>
  openDoors({ rootfs: opts.rootfs, dryRun: opts.dryRun, kubeconfig: kubeconfigSearch(opts.kubeconfig, env) });

/** Runs a phase tree on this node; a dry run ends with the report of what it would have changed. */
async function runUpgrade(cmd: Command, env: CommandEnvironment, runner: UpgradeRunner, only?: string): Promise<void> {
  const opts = cmd.optsWithGlobals<CliOptions>();
  checkReportOutput(opts);
  const doors = nodeDoors(opts, env);
  const ctx = runner.context(opts, doors, await doors.kubeconfig());
  await runner.before?.(ctx, opts);
  await runWorkflow(runner.tree, ctx, { skip: opts.skipPhases ?? [], only, ...engineOptions(cmd) });
  printDryRunReport(doors, opts.output);
}

/**
 * `upgrade apply <version>`: like kubeadm, the version rules first, then a question, unless --yes or --dry-run. A
 * whole run keeps a journal on the node and resumes an interrupted one; the question about resuming it needs no
 * answer from an API server that may be restarting.
 */
const applyRunner = (version: string | undefined, journaled: boolean): UpgradeRunner => ({
  tree: applyPhases,
  context: (opts, doors, kubeconfig) => {
    if (!version) throw new UserError('upgrade apply needs the version to upgrade to, e.g. "bosun upgrade apply v1.37.1" (see "bosun upgrade plan")');
    const options = upgradeOptions(opts, kubeconfig);
    return upgradeContext({ doors, options, target: version, journaled, proxyEnv: nodeFacts(localMachineFacts).proxyEnv() });
  },
  before: async (ctx, opts) => {
    const interrupted = await interruptedRun(ctx);
    if (opts.dryRun || opts.yes) return;
    const [node, target] = await Promise.all([ctx.node(), ctx.target()]);
    if (interrupted && journaled) {
      return confirm(`[upgrade] Resuming the interrupted upgrade of the control plane of node ${node.name} to ${target}. Are you sure you want to proceed?`);
    }
    const state = await ctx.state();
    checkVersionPolicy(state, target, ctx.options.overrides);
    await confirm(`[upgrade] Upgrading the control plane of node ${node.name} from ${state.apiServerVersion} to ${target}. Are you sure you want to proceed?`);
  },
});

/** `upgrade node`: the kubelet is swapped by the chosen Host step (package on a real node, none with --rootfs). */
const nodeRunner: UpgradeRunner = {
  tree: nodePhases,
  context: (opts, doors, kubeconfig) => {
    const how = opts.kubeletInstall ?? (doors.host.root === '/' ? 'package' : 'none');
    const kubelet = KUBELET_INSTALLERS[how];
    if (!kubelet) throw new UserError(`--kubelet-install: expected one of ${Object.keys(KUBELET_INSTALLERS).join(', ')}, got "${how}"`);
    return upgradeContext({ doors, options: upgradeOptions(opts, kubeconfig), kubelet, proxyEnv: nodeFacts(localMachineFacts).proxyEnv() });
  },
};

async function runPlan(version: string | undefined, opts: CliOptions, env: CommandEnvironment): Promise<void> {
  const cluster = await nodeDoors(opts, env).cluster();
  const state = await readClusterState(cluster);
  let plan;
  try {
    plan = planUpgrade({ state, requested: version, overrides: overridesOf(opts) });
  } catch (err) {
    if (!(err instanceof RefusedUpgrade)) throw err;
    throw new UserError(`cannot upgrade the control plane from ${state.apiServerVersion} to ${err.version}:\n  ${describeViolations(err.violations)}`);
  }
  const target = nodeTarget(plan);
  if (target) {
    const [nodes, pods, pdbs, daemonSets] = await Promise.all([
      cluster.list<Node>('v1', 'Node'),
      cluster.list<Pod>('v1', 'Pod'),
      cluster.list<PodDisruptionBudget>('policy/v1', 'PodDisruptionBudget'),
      cluster.list('apps/v1', 'DaemonSet'),
    ]);
    plan.drainForecast = forecastDrains({
      target,
      nodes,
      pods,
      pdbs,
      daemonSets: new Set(daemonSets.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)),
      maxUnavailable: parseMaxUnavailable(opts.maxUnavailable),
      now: Date.now(),
    });
  }
  process.stdout.write(formatPlan(plan, opts.output, env.bosunVersion));
}

/** The manifests `upgrade apply` would write on this node, as diffs against the current ones. */
async function runDiff(version: string | undefined, opts: CliOptions, env: CommandEnvironment): Promise<void> {
  const doors = nodeDoors(opts, env);
  const { host } = doors;
  const state = await readClusterState(await doors.cluster());
  const next = upgradeTargets(state.apiServerVersion);
  const target = version ?? next.minor ?? next.patch ?? state.apiServerVersion;
  const ctx = upgradeContext({ doors, options: upgradeOptions(opts, await doors.kubeconfig()), target, proxyEnv: nodeFacts(localMachineFacts).proxyEnv() });
  checkVersionPolicy(state, await ctx.target(), ctx.options.overrides);
  const desired = await desiredStaticPods(ctx);
  let changed = 0;
  for (const d of desired) {
    const file = manifestPath(d.component);
    const diff = fileDiff(file, await readText(host, file), d.text, opts.contextLines);
    if (diff) changed++;
    process.stdout.write(diff);
  }
  if (!changed) process.stdout.write(`[upgrade/diff] The static Pod manifests of node ${(await ctx.node()).name} are up to date for ${await ctx.target()}\n`);
}

/** `bosun upgrade`: the command, for other modules to add subcommands to (see registerUpgrade). */
export function registerUpgrade(program: Command, env: CommandEnvironment): Command {
  const upgrade = program.command('upgrade').description('Upgrade your cluster smoothly to a newer version with this command');

  versionFlags(clusterFlags(upgrade.command('plan')))
    .description('Check which versions are available to upgrade to and validate whether your current cluster is upgradeable')
    .argument('[version]', 'a version to plan for (default: the newest patch and the next minor bosun knows)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .option('--max-unavailable <n|p%>', 'workers per batch in the drain forecast, as "bosun upgrade nodes" takes it', '1')
    .action((version: string | undefined, _opts, cmd: Command) => runPlan(version, cmd.optsWithGlobals<CliOptions>(), env));

  const apply = changeFlags(upgrade.command('apply'))
    .description('Upgrade your Kubernetes cluster to the specified version')
    .argument('[version]', 'the version to upgrade to, e.g. v1.37.1')
    .option('-y, --yes', 'perform the upgrade and do not prompt for confirmation (non-interactive mode)')
    .action((version: string | undefined, _opts, cmd: Command) => runUpgrade(cmd, env, applyRunner(version, true)));
  const applyPhase = apply.command('phase').description('Use this command to invoke single phase of the "apply" workflow');
  addPhaseCommands(
    applyPhase,
    applyPhases,
    (cmd) => changeFlags(cmd).argument('<version>', 'the version to upgrade to').option('-y, --yes', 'do not prompt for confirmation'),
    (path, cmd) => runUpgrade(cmd, env, applyRunner(cmd.processedArgs[0] as string, false), path),
  );

  const nodeFlags = (cmd: Command) =>
    changeFlags(cmd).option(
      '--kubelet-install <how>',
      'how the kubelet binary is replaced: package (apt, dnf or yum on the node) or none (default: package on /, none with --rootfs)',
    );
  const node = nodeFlags(upgrade.command('node'))
    .description('Upgrade commands for a node in the cluster')
    .action((_opts, cmd: Command) => runUpgrade(cmd, env, nodeRunner));
  addPhaseCommands(node.command('phase').description('Use this command to invoke single phase of the "node" workflow'), nodePhases, nodeFlags, (path, cmd) =>
    runUpgrade(cmd, env, nodeRunner, path),
  );

  versionFlags(clusterFlags(upgrade.command('diff')))
    .description('Show what differences would be applied to existing static pod manifests. See also: bosun upgrade apply --dry-run')
    .argument('[version]', 'the version to compare with (default: the newest bosun can upgrade to)')
    .addOption(new Option('-c, --context-lines <n>', 'how many lines of context in the diff').default(DEFAULT_CONTEXT_LINES).argParser(Number))
    .addOption(new Option('--etcd-upgrade [bool]', 'include the local etcd').default(true).argParser(bool('--etcd-upgrade')))
    .option('--node-name <name>', "this node's name, when kubelet.conf does not tell it")
    .action((version: string | undefined, _opts, cmd: Command) => runDiff(version, cmd.optsWithGlobals<CliOptions>(), env));

  // Subcommands of other modules are added here (`bosun upgrade nodes`: the fleet roll).
  registerUpgradeNodes(upgrade, env);
  return upgrade;
}
