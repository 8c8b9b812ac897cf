/**
 * `bosun certs renew NAME|all`: kubeadm's renewal (see node/certificate-renewal.ts), planned before anything is
 * written, then what kubeadm leaves to the operator: the control-plane static Pods that read a renewed certificate
 * restarted one at a time, each Ready before the next.
 */
import { ConfigError, UserError } from '../../errors.js';
import { parseDuration } from '../../config/duration.js';
import { readStoredConfigTexts, storedClusterConfiguration, withClusterText } from '../../config/stored.js';
import type { ClusterConfiguration } from '../../config/types.js';
import { componentsToRestart, planRenewals, renewOne, type RenewalPlan } from '../../node/certificate-renewal.js';
import { nodeNameFromKubeletConf } from '../../node/node-name.js';
import { ComponentNotHealthy } from '../../node/static-pod-health.js';
import { restartStaticPod } from '../../node/static-pod-restart.js';
import { openDoors, type Doors } from '../../workflow/doors.js';
import { kubeconfigSearch, type CommandEnvironment } from '../../workflow/flags.js';
import { clusterConfiguration, type NodeFlags } from './node-flags.js';

export interface RenewFlags extends NodeFlags {
  before?: string;
  dryRun?: boolean;
  kubeconfig?: string;
  nodeName?: string;
  timeout: string;
}

const DAY_MS = 86_400_000;
const log = (line: string) => void process.stdout.write(`${line}\n`);

/** A window as `30d` (days) or a Go duration (`720h`), in milliseconds. */
export function parseWindow(text: string, flag: string): number {
  const days = /^(\d+)d$/.exec(text);
  const ns = days ? undefined : parseDuration(text);
  const ms = days ? Number(days[1]) * DAY_MS : ns !== undefined && ns > 0n ? Number(ns / 1_000_000n) : undefined;
  if (ms === undefined) throw new ConfigError(undefined, undefined, flag, `"${text}" is not a duration; expected days (30d) or a Go duration (720h0m0s)`);
  return ms;
}

/** The configuration renewal follows: `--config`, else the cluster's own (kubeadm-config), as kubeadm reads it. */
async function renewalConfiguration(flags: RenewFlags, doors: Doors): Promise<ClusterConfiguration> {
  if (flags.config) return clusterConfiguration(flags);
  const cluster = storedClusterConfiguration(withClusterText(await readStoredConfigTexts(await doors.cluster())));
  if (flags.certDir !== undefined) cluster.certificatesDir = flags.certDir;
  return cluster;
}

function printPlan(plan: RenewalPlan, before: string | undefined): void {
  for (const r of plan.renew) log(`[certs] ${r.name} will be renewed (expires ${r.cert.notAfter.toISOString()})`);
  for (const n of plan.notDue) log(`[certs] ${n.name} is not renewed: it expires ${n.notAfter.toISOString()}, after the --before ${before} window`);
  for (const r of plan.refused) log(`[certs] ${r.name} cannot be renewed: ${r.reason}`);
}

export async function renewCertificates(name: string, flags: RenewFlags, env: CommandEnvironment): Promise<void> {
  const beforeMs = flags.before === undefined ? undefined : parseWindow(flags.before, '--before');
  const timeoutMs = parseWindow(flags.timeout, '--timeout');
  const doors = openDoors({ rootfs: flags.rootfs, kubeconfig: kubeconfigSearch(flags.kubeconfig, env) });
  const cluster = await renewalConfiguration(flags, doors);
  const request = { names: name === 'all' ? ('all' as const) : [name], beforeMs, kubeconfigDir: flags.kubeconfigDir };
  const plan = await planRenewals(doors.host, cluster, request, doors.clock.now());
  // A certificate asked for by name that cannot be renewed is an error; `all` renews what it can, as kubeadm does.
  if (name !== 'all' && plan.refused.length) throw new UserError(`cannot renew ${name}: ${plan.refused[0].reason}; nothing was changed`);
  printPlan(plan, flags.before);
  const components = componentsToRestart(plan.renew.map((r) => r.name));
  if (flags.dryRun) {
    if (components.length) log(`[certs] would then restart, one at a time: ${components.join(', ')}`);
    return log('[certs] dry run: nothing was changed');
  }
  for (const renewal of plan.renew) await renewOne(doors.host, cluster, renewal, log);
  if (!components.length) return;
  const node = flags.nodeName ?? (await nodeNameFromKubeletConf(doors.host));
  if (!node)
    throw new UserError("the certificates were renewed, but this node's name is unknown (no kubelet.conf): pass --node-name to restart the control plane");
  const api = await doors.cluster();
  for (const [i, component] of components.entries()) {
    try {
      await restartStaticPod(doors.host, api, component, node, timeoutMs, log);
    } catch (err) {
      if (!(err instanceof ComponentNotHealthy)) throw err;
      const left = components.slice(i + 1);
      throw new UserError(`the certificates were renewed, but ${err.message} after its restart${left.length ? `; not restarted: ${left.join(', ')}` : ''}`);
    }
  }
}
