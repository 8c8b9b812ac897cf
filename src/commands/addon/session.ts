/** What every `bosun addon` subcommand starts from: the doors its flags ask for, the cluster's configuration, the addon's settings. */
import type { AddonDefinition, AddonPlan, AddonSettings } from '../../addons/addon.js';
import { clusterAddonInput, storedInitConfig } from '../../addons/cluster-input.js';
import { printAndRunPlan, type PlanResult } from '../../addons/run-plan.js';
import { settingsProblems, type SettingName } from '../../addons/settings.js';
import type { Cluster } from '../../cluster/cluster.js';
import { apiRequests } from '../../cluster/transport.js';
import { UserError, quote } from '../../errors.js';
import { proxyEnv } from '../../manifests/args.js';
import { printDryRunReport } from '../../workflow/dry-run-output.js';
import { openDoors, systemClock, type Doors } from '../../workflow/doors.js';
import { kubeconfigSearch, type CommandEnvironment } from '../../workflow/flags.js';
import { DirManifestSource } from '../../host/manifest-source.js';

export interface AddonFlags {
  kubeconfig?: string;
  dryRun?: boolean;
  version?: string;
  windows?: boolean;
  mode?: string;
  localDns?: string;
  skipCorefileMigration?: boolean;
}

const FLAG_OF: Record<SettingName, string> = {
  version: '--version',
  windows: '--windows',
  mode: '--mode',
  localDNS: '--local-dns',
  skipCorefileMigration: '--skip-corefile-migration',
};

/** The flags as the addon's settings; one it does not take, or a bad value, is refused naming the flag before anything is read. */
export function settingsFromFlags(addon: AddonDefinition, flags: AddonFlags): AddonSettings {
  const settings: AddonSettings = {
    ...(flags.version !== undefined && { version: flags.version }),
    ...(flags.windows && { windows: true }),
    ...(flags.mode !== undefined && { mode: flags.mode }),
    ...(flags.localDns !== undefined && { localDNS: flags.localDns }),
    ...(flags.skipCorefileMigration && { skipCorefileMigration: true }),
  };
  const [first] = settingsProblems(addon, settings);
  if (first) {
    const value = settings[first.setting];
    throw new UserError({
      what: first.problem,
      where: { flag: typeof value === 'string' ? `${FLAG_OF[first.setting]} ${quote(value)}` : FLAG_OF[first.setting] },
    });
  }
  return settings;
}

export interface AddonSession {
  doors: Doors;
  cluster: Cluster;
  env: CommandEnvironment;
}

export async function openSession(flags: AddonFlags, env: CommandEnvironment): Promise<AddonSession> {
  const doors = openDoors({ dryRun: flags.dryRun, kubeconfig: kubeconfigSearch(flags.kubeconfig, env) });
  return { doors, cluster: await doors.cluster(), env };
}

const out = (line: string) => void process.stdout.write(`${line}\n`);

/** The addon's plan for this cluster (from its stored configuration, as `bosun upgrade` reads it). */
export async function planFor(session: AddonSession, addon: AddonDefinition, settings: AddonSettings): Promise<AddonPlan> {
  const config = await storedInitConfig(session.cluster, proxyEnv(session.env.variables));
  return addon.plan(await clusterAddonInput(session.cluster, config, settings, new DirManifestSource()));
}

/** Prints the plan, every action one line, then carries it out (on a dry run, through the doors that record). */
export async function printAndRun(session: AddonSession, plan: AddonPlan): Promise<PlanResult> {
  const result = await printAndRunPlan(plan, { cluster: session.cluster, io: { log: out }, now: systemClock.now() });
  printDryRunReport(session.doors, 'text', { whenEmpty: false });
  if (!session.doors.recorded) out(`[addons] ${plan.addon}: done (record ${result.record})`);
  // As the roll commands end: what the run cost the API server (a re-run that changes nothing should cost little).
  out(`[addons] ${apiRequests.count} API request(s) by this process`);
  return result;
}
