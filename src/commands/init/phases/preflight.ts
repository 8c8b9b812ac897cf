import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import semver from 'semver';
import { MANIFESTS_DIR } from '../../../kube/paths.js';
import type { Host } from '../../../host/host.js';
import { localMachine, type Machine } from '../../../host/machine.js';
import { argValue } from '../../../manifests/args.js';
import { CONTROL_PLANE_COMPONENTS } from '../../../manifests/control-plane.js';
import {
  ETCD_CLIENT_PORT,
  ETCD_PEER_PORT,
  KUBELET_PORT,
  KUBE_CONTROLLER_MANAGER_PORT,
  KUBE_SCHEDULER_PORT,
} from '../../../manifests/ports.js';
import { manifestPath } from '../../../manifests/static-pods.js';
import { PINNED_KUBERNETES_VERSIONS } from '../../../versions/pinned.js';
import { runChecks, type Check, type Findings } from '../../../workflow/checks.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

export type { Check, Findings } from '../../../workflow/checks.js';

const CONTROL_PLANE_MIN_CPUS = 2;
const CONTROL_PLANE_MIN_MEMORY_MIB = 1700;
/** Programs the kubelet needs on the node (kubeadm's list for 1.32+). */
const REQUIRED_EXECUTABLES = ['losetup', 'mount', 'cp'];

const pathLabel = (nodePath: string) => nodePath.replaceAll('/', '-');

/**
 * A port the node's components will listen on must be free on this machine.
 * With --rootfs an address this machine does not have belongs to where the node will run (a network
 * namespace, another machine), so the port cannot be judged here: a warning. On the node itself it is an error.
 */
export function portCheck(machine: Machine, rendered: boolean, port: number, address?: string): Check {
  const where = address ? `${address}:${port}` : `port ${port}`;
  return {
    name: `Port-${port}`,
    run: async () => {
      const state = await machine.portState(port, address || undefined);
      if (state === 'in-use') return { errors: [`Port ${port} is in use`] };
      if (state === 'unavailable-address') {
        const problem = `cannot listen on ${where}: ${address} is not an address of this machine`;
        return rendered ? { warnings: [`${problem}; not checked`] } : { errors: [problem] };
      }
      return {};
    },
  };
}

/** A file bosun is about to create must not exist yet: a second init on the same node (or rootfs) stops here. */
export function fileAvailableCheck(host: Host, nodePath: string): Check {
  return {
    name: `FileAvailable-${pathLabel(nodePath)}`,
    run: async () => ((await host.stat(nodePath)) ? { errors: [`${host.resolve(nodePath)} already exists`] } : {}),
  };
}

function fileExistingCheck(host: Host, nodePath: string, name = `FileExisting-${pathLabel(nodePath)}`): Check {
  return {
    name,
    run: async () => ((await host.stat(nodePath)) ? {} : { errors: [`${host.resolve(nodePath)} doesn't exist`] }),
  };
}

/** etcd must start from an empty data directory (a missing one is created). */
function dirAvailableCheck(host: Host, nodePath: string): Check {
  return {
    name: `DirAvailable-${pathLabel(nodePath)}`,
    run: async () => ((await host.readdir(nodePath)).length ? { errors: [`${host.resolve(nodePath)} is not empty`] } : {}),
  };
}

function kubernetesVersionCheck(version: string): Check {
  const supported = PINNED_KUBERNETES_VERSIONS.map((v) => semver.parse(v)!);
  const list = supported.map((v) => `v${v.major}.${v.minor}.x`).join(', ');
  return {
    name: 'KubernetesVersion',
    run: async () => {
      const wanted = semver.parse(version);
      if (!wanted) return { errors: [`couldn't parse Kubernetes version "${version}"`] };
      if (supported.some((v) => v.major === wanted.major && v.minor === wanted.minor)) return {};
      const relation = semver.gt(wanted, supported.at(-1)!) ? 'newer' : 'older';
      return { errors: [`Kubernetes version ${version} is ${relation} than bosun supports (${list})`] };
    },
  };
}

export const simple = (name: string, run: () => Promise<Findings> | Findings): Check => ({ name, run: async () => run() });

/**
 * kubeadm's init checks, minus those that need a container runtime or a kubelet binary (CRI,
 * ContainerRuntimeVersion, SystemVerification, KubeletVersion, Service-kubelet, ImagePull).
 *
 * With --rootfs the node's files live in a directory while the node is to run on a machine like this one:
 * file checks look in the directory; ports, swap, CPUs, memory and programs are this machine's
 * (rendering over a machine that already runs an API server would conflict once started); root is not
 * needed (nothing outside the directory is touched); IP forwarding is per network namespace, so the
 * node's cannot be read from here and is not checked.
 */
export function initChecks(ctx: Pick<InitContext, 'cfg' | 'host'>, machine: Machine): Check[] {
  const { cfg, host } = ctx;
  const { cluster, init } = cfg;
  const rendered = path.resolve(host.root) !== '/';
  const advertise = init.localAPIEndpoint.advertiseAddress ?? '';
  const checks: Check[] = [];

  if (!rendered) {
    checks.push(simple('IsPrivilegedUser', () => (machine.isRoot() ? {} : { errors: ['user is not running as root'] })));
  }
  checks.push(
    simple('NumCPU', () => {
      const n = machine.cpuCount();
      return n < CONTROL_PLANE_MIN_CPUS ? { errors: [`the number of available CPUs ${n} is less than the required ${CONTROL_PLANE_MIN_CPUS}`] } : {};
    }),
    simple('Mem', () => {
      const mib = machine.memoryMiB();
      return mib < CONTROL_PLANE_MIN_MEMORY_MIB ? { errors: [`the system RAM (${mib} MB) is less than the minimum ${CONTROL_PLANE_MIN_MEMORY_MIB} MB`] } : {};
    }),
    kubernetesVersionCheck(cluster.kubernetesVersion),
    portCheck(machine, rendered, init.localAPIEndpoint.bindPort ?? 6443, argValue(cluster.apiServer.extraArgs, 'bind-address')),
    portCheck(machine, rendered, KUBE_SCHEDULER_PORT, argValue(cluster.scheduler.extraArgs, 'bind-address')),
    portCheck(machine, rendered, KUBE_CONTROLLER_MANAGER_PORT, argValue(cluster.controllerManager.extraArgs, 'bind-address')),
    ...[...CONTROL_PLANE_COMPONENTS, 'etcd'].map((c) => fileAvailableCheck(host, manifestPath(c, MANIFESTS_DIR))),
    simple('Swap', async () =>
      (await machine.swapDevices()).length
        ? {
            warnings: [
              'swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. Please refer to ' +
                'https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node',
            ],
          }
        : {},
    ),
    ...REQUIRED_EXECUTABLES.map((tool) =>
      simple(`FileExisting-${tool}`, async () => ((await machine.hasExecutable(tool)) ? {} : { errors: [`${tool} not found in system path`] })),
    ),
    portCheck(machine, rendered, KUBELET_PORT),
  );

  if (!rendered) {
    const families = [cluster.networking.serviceSubnet, cluster.networking.podSubnet ?? '', advertise]
      .flatMap((s) => s.split(','))
      .map((s) => s.split('/')[0].trim());
    const forwarding: [boolean, string][] = [
      [families.some((a) => isIPv4(a)), '/proc/sys/net/ipv4/ip_forward'],
      [families.some((a) => isIPv6(a)), '/proc/sys/net/ipv6/conf/default/forwarding'],
    ];
    for (const [, file] of forwarding.filter(([needed]) => needed)) {
      checks.push(
        simple(`FileContent-${pathLabel(file)}`, async () => {
          const content = await machine.readProcFile(file);
          if (content === undefined) return { errors: [`${file} does not exist`] };
          return content.startsWith('1') ? {} : { errors: [`${file} contents are not set to 1`] };
        }),
      );
    }
  }

  const { local, external } = cluster.etcd;
  if (local && !external) {
    // etcd listens on the API server's advertise address (an apiServer extraArg wins, as in kubeadm).
    const etcdAddress = argValue(cluster.apiServer.extraArgs, 'advertise-address') || advertise;
    checks.push(
      portCheck(machine, rendered, ETCD_CLIENT_PORT, etcdAddress),
      portCheck(machine, rendered, ETCD_PEER_PORT, etcdAddress),
      dirAvailableCheck(host, local.dataDir),
    );
  }
  if (external) {
    for (const file of [external.caFile, external.certFile, external.keyFile].filter((f): f is string => Boolean(f))) {
      checks.push(fileExistingCheck(host, file, 'ExternalEtcdClientCertificates'));
    }
  }
  return checks;
}

/**
 * Runs every check, then fails once listing all errors, as kubeadm does. A check named in
 * --ignore-preflight-errors (lower case, or `all`) has its errors printed as warnings instead.
 */
export async function runPreflight(ctx: InitContext, io: PhaseIO, machine: Machine = localMachine): Promise<void> {
  io.log('[preflight] Running pre-flight checks');
  await runChecks(initChecks(ctx, machine), ctx.options.ignorePreflightErrors, io);
}

export const preflightPhase: Phase<InitContext> = {
  name: 'preflight',
  description: 'Run pre-flight checks',
  help: 'Checks ports, files, swap, CPUs, memory, programs and the Kubernetes version; --ignore-preflight-errors=<check>,... or all turns errors into warnings.',
  run: (ctx, io) => runPreflight(ctx, io),
};
