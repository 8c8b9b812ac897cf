/**
 * kubeadm's checks before a node runs a control plane (`init`, and a joining control plane after its node checks),
 * minus those that need a container runtime or a kubelet binary (CRI, ContainerRuntimeVersion, SystemVerification,
 * KubeletVersion, Service-kubelet, ImagePull).
 *
 * With --rootfs the node's files live in a directory while the node is to run on a machine like this one:
 * file checks look in the directory; ports, swap, CPUs, memory and programs are this machine's
 * (rendering over a machine that already runs an API server would conflict once started); root is not
 * needed (nothing outside the directory is touched); IP forwarding is per network namespace, so the
 * node's cannot be read from here and is not checked.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { ClusterConfiguration, InitConfig } from '../config/types.js';
import type { Host } from '../host/host.js';
import type { Machine } from '../host/machine.js';
import { MANIFESTS_DIR } from '../kube/paths.js';
import { argValue } from '../manifests/args.js';
import { CONTROL_PLANE_COMPONENTS } from '../manifests/control-plane.js';
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, KUBELET_PORT, KUBE_CONTROLLER_MANAGER_PORT, KUBE_SCHEDULER_PORT } from '../manifests/ports.js';
import { manifestPath } from '../manifests/static-pods.js';
import type { Check } from '../workflow/checks.js';
import {
  IPV4_FORWARDING,
  IPV6_FORWARDING,
  dirAvailableCheck,
  fileAvailableCheck,
  fileExistingCheck,
  forwardingCheck,
  isRendered,
  kubernetesVersionCheck,
  portCheck,
  privilegedUserCheck,
  requiredExecutableChecks,
  simple,
  swapCheck,
} from './preflight-checks.js';

const CONTROL_PLANE_MIN_CPUS = 2;
const CONTROL_PLANE_MIN_MEMORY_MIB = 1700;

function resourceChecks(machine: Machine): Check[] {
  return [
    simple('NumCPU', () => {
      const n = machine.cpuCount();
      return n < CONTROL_PLANE_MIN_CPUS ? { errors: [`the number of available CPUs ${n} is less than the required ${CONTROL_PLANE_MIN_CPUS}`] } : {};
    }),
    simple('Mem', () => {
      const mib = machine.memoryMiB();
      return mib < CONTROL_PLANE_MIN_MEMORY_MIB ? { errors: [`the system RAM (${mib} MB) is less than the minimum ${CONTROL_PLANE_MIN_MEMORY_MIB} MB`] } : {};
    }),
  ];
}

/** IP forwarding for each address family the cluster's networks and this node's address use. */
function forwardingChecks(cluster: ClusterConfiguration, advertise: string, machine: Machine): Check[] {
  const families = [cluster.networking.serviceSubnet, cluster.networking.podSubnet ?? '', advertise]
    .flatMap((s) => s.split(','))
    .map((s) => s.split('/')[0].trim());
  const forwarding: [boolean, string][] = [
    [families.some((a) => isIPv4(a)), IPV4_FORWARDING],
    [families.some((a) => isIPv6(a)), IPV6_FORWARDING],
  ];
  return forwarding.filter(([needed]) => needed).map(([, file]) => forwardingCheck(machine, file));
}

/** A local etcd needs its ports and an empty data dir; an external one, the client certificates it names. */
function etcdChecks(cfg: InitConfig, host: Host, machine: Machine, rendered: boolean): Check[] {
  const { cluster, init } = cfg;
  const { local, external } = cluster.etcd;
  if (local && !external) {
    // etcd listens on the API server's advertise address (an apiServer extraArg wins, as in kubeadm).
    const etcdAddress = argValue(cluster.apiServer.extraArgs, 'advertise-address') || (init.localAPIEndpoint.advertiseAddress ?? '');
    return [
      portCheck(machine, rendered, ETCD_CLIENT_PORT, etcdAddress),
      portCheck(machine, rendered, ETCD_PEER_PORT, etcdAddress),
      dirAvailableCheck(host, local.dataDir),
    ];
  }
  const files = external ? [external.caFile, external.certFile, external.keyFile].filter((f): f is string => Boolean(f)) : [];
  return files.map((file) => fileExistingCheck(host, file, 'ExternalEtcdClientCertificates'));
}

export function controlPlaneChecks(node: { cfg: InitConfig; host: Host }, machine: Machine): Check[] {
  const { cfg, host } = node;
  const { cluster, init } = cfg;
  const rendered = isRendered(host);
  return [
    ...(rendered ? [] : [privilegedUserCheck(machine)]),
    ...resourceChecks(machine),
    kubernetesVersionCheck(cluster.kubernetesVersion),
    portCheck(machine, rendered, init.localAPIEndpoint.bindPort ?? 6443, argValue(cluster.apiServer.extraArgs, 'bind-address')),
    portCheck(machine, rendered, KUBE_SCHEDULER_PORT, argValue(cluster.scheduler.extraArgs, 'bind-address')),
    portCheck(machine, rendered, KUBE_CONTROLLER_MANAGER_PORT, argValue(cluster.controllerManager.extraArgs, 'bind-address')),
    ...[...CONTROL_PLANE_COMPONENTS, 'etcd'].map((c) => fileAvailableCheck(host, manifestPath(c, MANIFESTS_DIR))),
    swapCheck(machine),
    ...requiredExecutableChecks(machine),
    portCheck(machine, rendered, KUBELET_PORT),
    ...(rendered ? [] : forwardingChecks(cluster, init.localAPIEndpoint.advertiseAddress ?? '', machine)),
    ...etcdChecks(cfg, host, machine, rendered),
  ];
}
