import type { Cluster } from '../../../cluster/cluster.js';
import { DEFAULTS } from '../../../config/defaults.js';
import { durationMs, formatDuration } from '../../../config/duration.js';
import type { Arg } from '../../../config/types.js';
import { UserError } from '../../../errors.js';
import type { Host } from '../../../host/host.js';
import { MANIFESTS_DIR } from '../../../kube/paths.js';
import { argValue } from '../../../manifests/args.js';
import { KUBE_CONTROLLER_MANAGER_PORT, KUBE_SCHEDULER_PORT } from '../../../manifests/ports.js';
import { apiServerProbe, componentHealthURL, endpointProbe, leaseHealthy, pollUntil, type Outcome } from '../../../node/control-plane-health.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

/** How often the API server's health is asked: connection refusals and 500s are cheap, and readiness is noticed fast. */
const API_SERVER_POLL_MS = 25;
const ENDPOINT_POLL_MS = 200;

const elapsed = (started: number) => formatDuration(BigInt(Date.now() - started) * 1_000_000n);

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
function componentCheck(host: Host, cluster: Cluster, name: string, args: Arg[] | undefined, port: number, path: string): ComponentCheck {
  if (argValue(args, 'leader-elect') !== 'false') {
    return { name, how: `its leader Lease kube-system/${name}`, run: (deadline) => leaseHealthy(cluster, name, deadline) };
  }
  const url = componentHealthURL(args, port, path);
  return { name, how: url, run: (deadline) => pollUntil(endpointProbe(host, url), deadline, ENDPOINT_POLL_MS) };
}

async function waitControlPlane(ctx: InitContext, io: PhaseIO): Promise<void> {
  const timeout = ctx.cfg.init.timeouts?.controlPlaneComponentHealthCheck ?? DEFAULTS.timeouts.controlPlaneComponentHealthCheck;
  const deadline = Date.now() + durationMs(timeout);
  const cluster = await ctx.cluster();
  const { cluster: cfg } = ctx.cfg;
  io.log(`[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "${MANIFESTS_DIR}"`);
  io.log(`[control-plane-check] Waiting for healthy control plane components. This can take up to ${timeout}`);
  const components = [
    componentCheck(ctx.host, cluster, 'kube-controller-manager', cfg.controllerManager.extraArgs, KUBE_CONTROLLER_MANAGER_PORT, '/healthz'),
    componentCheck(ctx.host, cluster, 'kube-scheduler', cfg.scheduler.extraArgs, KUBE_SCHEDULER_PORT, '/livez'),
  ];
  io.log(`[control-plane-check] Checking kube-apiserver at /livez and /readyz`);
  for (const c of components) io.log(`[control-plane-check] Checking ${c.name} by ${c.how}`);

  const started = Date.now();
  const report = (name: string, outcome: Outcome) => {
    io.log(`[control-plane-check] ${name} is ${outcome.healthy ? 'healthy' : 'not healthy'} after ${elapsed(started)}`);
    return { name, outcome };
  };
  const apiServer = report(
    'kube-apiserver',
    await pollUntil(
      apiServerProbe(async () => cluster),
      deadline,
      API_SERVER_POLL_MS,
    ),
  );
  // Leases are read through the API server: once it is up, both are watched at the same time.
  const others = apiServer.outcome.healthy
    ? await Promise.all(components.map(async (c) => report(c.name, await c.run(deadline))))
    : components.map((c) => ({ name: c.name, outcome: { healthy: false, last: 'not checked: the API server is not healthy' } as Outcome }));
  const failed = [apiServer, ...others].flatMap(({ name, outcome }) => (outcome.healthy ? [] : [`${name}: ${outcome.last}`]));
  if (failed.length) {
    throw new UserError(
      `the control plane is not healthy after ${timeout}:\n  ${failed.join('\n  ')}\n` +
        'Check the static Pods in ' +
        MANIFESTS_DIR +
        ' and the logs of the components that are not healthy.',
    );
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
