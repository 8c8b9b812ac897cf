/**
 * bosun's preflight on every host that will change, in parallel, each through its own Host and machine facts:
 * init's checks on the host to initialise, join's node checks on joining hosts (and init's control-plane checks on
 * joining control-plane hosts), Windows workers' own checks, and whether the host can get a kubelet. The result is one table of what each host
 * lacks; any error refuses the run before any host changes.
 */
import pLimit from 'p-limit';
import { UserError } from '../../errors.js';
import { controlPlaneChecks } from '../../node/control-plane-checks.js';
import type { Check } from '../../workflow/checks.js';
import { joinNodeChecks } from '../join/phases/preflight.js';
import { windowsJoinChecks } from '../join/windows-node.js';
import { windowsKubeletChoiceProblem } from '../../node/windows-kubelet-binary.js';
import type { HostPlan } from './plan.js';
import { table } from './plan.js';
import type { SurveyedHost } from './survey.js';
import type { InitConfig, JoinConfig } from '../../config/types.js';

export interface HostFindings {
  name: string;
  errors: string[];
  warnings: string[];
}

/** The configurations preflight judges a host by: its init or join configuration (a control-plane host has both). */
export interface HostConfigs {
  init?: InitConfig;
  join?: JoinConfig;
}

/**
 * A Windows worker, before it is prepared: the machine (Administrator, OS build for `version`, memory, containerd's
 * pipe), join's files and port, and a kubelet.exe it can get (a release URL bosun pushes, or a file).
 */
async function windowsChecksFor(plan: HostPlan, surveyed: SurveyedHost, configs: HostConfigs, version: string): Promise<Check[]> {
  const problem = windowsKubeletChoiceProblem(plan.host.kubelet);
  const kubelet: Check = { name: 'KubeletInstall', run: async () => (problem ? { errors: [problem] } : {}) };
  return [kubelet, ...(await windowsJoinChecks({ host: surveyed.node, cfg: configs.join!, machine: surveyed.machine }, version, false))];
}

function checksFor(plan: HostPlan, surveyed: SurveyedHost, configs: HostConfigs): Check[] {
  const { node: host, machine } = surveyed;
  const kubelet: Check = {
    name: 'KubeletInstall',
    run: async () =>
      surveyed.survey.kubelet === undefined && plan.host.kubelet.install === 'none'
        ? { errors: ['no kubelet at /usr/bin/kubelet, and the cluster file says kubelet.install: none'] }
        : {},
  };
  if (plan.action === 'init') return [kubelet, ...controlPlaneChecks({ cfg: configs.init!, host }, machine)];
  const node = joinNodeChecks({ host, cfg: configs.join! }, machine);
  if (plan.action === 'join-worker') return [kubelet, ...node];
  const done = new Set(node.map((c) => c.name));
  return [kubelet, ...node, ...controlPlaneChecks({ cfg: configs.init!, host }, machine).filter((c) => !done.has(c.name))];
}

async function runHostChecks(checks: Check[], ignored: Set<string>): Promise<{ errors: string[]; warnings: string[] }> {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const check of checks) {
    const found = await check.run();
    const ignore = ignored.has('all') || ignored.has(check.name.toLowerCase());
    warnings.push(...(found.warnings ?? []).map((w) => `[${check.name}] ${w}`));
    (ignore ? warnings : errors).push(...(found.errors ?? []).map((e) => `[${check.name}] ${e}`));
  }
  return { errors, warnings };
}

/** Runs every changing host's checks, `parallel` hosts at once; hosts left alone are not checked. */
export async function preflightHosts(
  plans: HostPlan[],
  surveyed: Map<string, SurveyedHost>,
  configs: Map<string, HostConfigs>,
  parallel: number,
  version: string,
): Promise<HostFindings[]> {
  const limit = pLimit(parallel);
  const changing = plans.filter((p) => p.action !== 'none');
  return Promise.all(
    changing.map((plan) =>
      limit(async () => {
        const cfg = configs.get(plan.host.name)!;
        const ignored = new Set(
          [...(cfg.init?.init.nodeRegistration.ignorePreflightErrors ?? []), ...(cfg.join?.join.nodeRegistration.ignorePreflightErrors ?? [])].map((s) =>
            s.toLowerCase(),
          ),
        );
        const host = surveyed.get(plan.host.name)!;
        const checks = plan.host.os === 'windows' ? await windowsChecksFor(plan, host, cfg, version) : checksFor(plan, host, cfg);
        return { name: plan.host.name, ...(await runHostChecks(checks, ignored)) };
      }),
    ),
  );
}

/** One table of every host's findings; throws (nothing changed) when a host has errors. */
export function preflightReport(findings: HostFindings[]): string {
  const rows = [['HOST', 'PREFLIGHT', 'WHAT IT LACKS']];
  for (const f of findings) {
    const lines = [...f.errors.map((e) => `ERROR ${e}`), ...f.warnings.map((w) => `warning ${w}`)];
    if (!lines.length) rows.push([f.name, 'ok', '-']);
    lines.forEach((line, i) => rows.push([i === 0 ? f.name : '', i === 0 ? (f.errors.length ? 'FAILED' : 'ok') : '', line]));
  }
  const text = table(rows);
  const failed = findings.filter((f) => f.errors.length);
  if (failed.length) {
    const what = `${failed.length} of ${findings.length} hosts lack what they need; nothing was changed`;
    throw new UserError({
      what,
      category: 'precondition',
      message:
        `[preflight] ${what}:\n${text}` +
        "[preflight] Fix the hosts, or list checks in nodeRegistration.ignorePreflightErrors of the cluster file's kubeadm configuration",
    });
  }
  return text;
}
