import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../../../cluster/cluster.js';
import type { Lease } from '../../../kube/objects.js';
import { ClusterError } from '../../../cluster/errors.js';
import { DEFAULTS } from '../../../config/defaults.js';
import { durationMs, formatDuration } from '../../../config/duration.js';
import type { Arg } from '../../../config/types.js';
import { MANIFESTS_DIR } from '../../../kube/paths.js';
import { UserError } from '../../../errors.js';
import type { Host } from '../../../host/host.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

/** How often the API server's health is asked: connection refusals and 500s are cheap, and readiness is noticed fast. */
const POLL_MS = 25;

/** The outcome of one component's wait: healthy, or the last thing it said. */
type Outcome = { healthy: true } | { healthy: false; last: string };

const elapsed = (started: number) => formatDuration(BigInt(Date.now() - started) * 1_000_000n);

/** /livez then /readyz; `last` says which failed and why (the failing checks of /readyz). */
async function apiServerHealthy(cluster: Cluster, deadline: number): Promise<Outcome> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const live = await cluster.raw('/livez');
      const ready = live.status === 200 ? await cluster.raw('/readyz') : live;
      if (ready.status === 200) return { healthy: true };
      const which = live.status === 200 ? '/readyz' : '/livez';
      const failing = ready.body.split('\n').filter((line) => line.startsWith('[-]')).join('; ');
      last = `${which} answered ${ready.status}${failing ? `: ${failing}` : ready.body ? `: ${ready.body.trim().slice(0, 300)}` : ''}`;
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      last = err.message;
    }
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
  return { healthy: false, last };
}

/** A leader Lease is live when held and renewed within its duration. */
export function leaseIsLive(lease: Lease | undefined, now: number): boolean {
  const spec = lease?.spec;
  if (!spec?.holderIdentity || !spec.renewTime) return false;
  return Date.parse(spec.renewTime) + (spec.leaseDurationSeconds ?? 15) * 1000 > now;
}

function describeLease(lease: Lease | undefined): string {
  if (!lease?.spec?.holderIdentity) return 'its leader Lease is not held yet';
  const age = lease.spec.renewTime ? `${Math.round((Date.now() - Date.parse(lease.spec.renewTime)) / 1000)}s ago` : 'never';
  return `its leader Lease is held by ${lease.spec.holderIdentity}, last renewed ${age}`;
}

/** A component with leader election reports itself through its Lease: watched, so a renewal is seen at once. */
async function leaseHealthy(cluster: Cluster, name: string, deadline: number): Promise<Outcome> {
  let seen: Lease | undefined;
  try {
    await cluster.watchUntil<Lease>(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'kube-system', name },
      (lease) => {
        seen = lease;
        return leaseIsLive(lease, Date.now());
      },
      Math.max(0, deadline - Date.now()),
    );
    return { healthy: true };
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    return { healthy: false, last: err.reason === 'Timeout' ? describeLease(seen) : err.message };
  }
}

/** Without leader election there is no Lease: the component's health endpoint is asked on the node itself. */
async function endpointHealthy(host: Host, url: string, deadline: number): Promise<Outcome> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const probe = await host.exec('curl', ['-sk', '--max-time', '2', '-o', '/dev/null', '-w', '%{http_code}', url], { check: false });
    if (probe.code === 0 && probe.stdout.trim() === '200') return { healthy: true };
    last = probe.code === 0 ? `${url} answered ${probe.stdout.trim()}` : `${url}: ${probe.stderr.trim() || `curl exited ${probe.code}`}`;
    await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
  }
  return { healthy: false, last };
}

const argValue = (args: Arg[] | undefined, name: string) => args?.filter((a) => a.name === name).at(-1)?.value;

interface ComponentCheck {
  name: string;
  how: string;
  run: (deadline: number) => Promise<Outcome>;
}

/**
 * How the controller-manager and the scheduler are checked. bosun may run off the node (a sandbox node is a
 * network namespace whose 127.0.0.1 bosun cannot reach), so with leader election on (kubeadm's default) their health
 * is read where every client sees it: a live leader Lease in kube-system. With leader election turned off there is no
 * Lease, and their /healthz (/livez) endpoint is probed on the node through the Host door, as kubeadm probes it.
 */
function componentCheck(ctx: InitContext, cluster: Cluster, name: string, args: Arg[] | undefined, port: number, path: string): ComponentCheck {
  if (argValue(args, 'leader-elect') !== 'false') {
    return { name, how: `its leader Lease kube-system/${name}`, run: (deadline) => leaseHealthy(cluster, name, deadline) };
  }
  const address = argValue(args, 'bind-address') || '127.0.0.1';
  const url = `https://${address.includes(':') ? `[${address}]` : address}:${argValue(args, 'secure-port') || port}${path}`;
  return { name, how: url, run: (deadline) => endpointHealthy(ctx.host, url, deadline) };
}

async function waitControlPlane(ctx: InitContext, io: PhaseIO): Promise<void> {
  const timeout = ctx.cfg.init.timeouts?.controlPlaneComponentHealthCheck ?? DEFAULTS.timeouts.controlPlaneComponentHealthCheck;
  const deadline = Date.now() + durationMs(timeout);
  const cluster = await ctx.cluster();
  const { cluster: cfg } = ctx.cfg;
  io.log(`[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "${MANIFESTS_DIR}"`);
  io.log(`[control-plane-check] Waiting for healthy control plane components. This can take up to ${timeout}`);
  const components = [
    componentCheck(ctx, cluster, 'kube-controller-manager', cfg.controllerManager.extraArgs, 10257, '/healthz'),
    componentCheck(ctx, cluster, 'kube-scheduler', cfg.scheduler.extraArgs, 10259, '/livez'),
  ];
  io.log(`[control-plane-check] Checking kube-apiserver at /livez and /readyz`);
  for (const c of components) io.log(`[control-plane-check] Checking ${c.name} by ${c.how}`);

  const started = Date.now();
  const report = (name: string, outcome: Outcome) => {
    io.log(`[control-plane-check] ${name} is ${outcome.healthy ? 'healthy' : 'not healthy'} after ${elapsed(started)}`);
    return { name, outcome };
  };
  const apiServer = report('kube-apiserver', await apiServerHealthy(cluster, deadline));
  // Leases are read through the API server: once it is up, both are watched at the same time.
  const others = apiServer.outcome.healthy
    ? await Promise.all(components.map(async (c) => report(c.name, await c.run(deadline))))
    : components.map((c) => ({ name: c.name, outcome: { healthy: false, last: 'not checked: the API server is not healthy' } as Outcome }));
  const failed = [apiServer, ...others].flatMap(({ name, outcome }) => (outcome.healthy ? [] : [`${name}: ${outcome.last}`]));
  if (failed.length) {
    throw new UserError(`the control plane is not healthy after ${timeout}:\n  ${failed.join('\n  ')}\n` +
      'Check the static Pods in ' + MANIFESTS_DIR + ' and the logs of the components that are not healthy.');
  }
}

export const waitControlPlanePhase: Phase<InitContext> = {
  name: 'wait-control-plane',
  description: 'Wait for the control plane to start',
  help:
    'Waits until the API server answers /livez and /readyz, and the controller-manager and scheduler hold live leader ' +
    'Leases (or, with leader election off, answer their health endpoint on the node), within ' +
    'timeouts.controlPlaneComponentHealthCheck.',
  run: waitControlPlane,
};
