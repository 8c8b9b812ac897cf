import { DEFAULTS } from './defaults.js';
import type { ClusterFile, ClusterFileV1beta3, InitFile, InitFileV1beta3, JoinFile, JoinFileV1beta3 } from './schema.js';
import type { Arg } from './types.js';

/**
 * kubeadm.k8s.io/v1beta3 -> v1beta4, as kubeadm converts: extra-args maps become lists sorted by name,
 * nodes pull images serially, apiServer.timeoutForControlPlane moves to the Init/Join
 * timeouts.controlPlaneComponentHealthCheck and discovery.timeout to timeouts.discovery,
 * external etcd's httpEndpoints default to its endpoints.
 */

export function argsFromMap(map: Record<string, string> | undefined): Arg[] | undefined {
  if (!map) return undefined;
  return Object.entries(map)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function nodeRegistrationFromV1beta3(n: InitFileV1beta3['nodeRegistration']): InitFile['nodeRegistration'] {
  if (!n) return undefined;
  const { kubeletExtraArgs, ...rest } = n;
  return { ...rest, ...(kubeletExtraArgs && { kubeletExtraArgs: argsFromMap(kubeletExtraArgs) }), imagePullSerial: true };
}

export function initFromV1beta3(f: InitFileV1beta3): InitFile {
  const { nodeRegistration, ...rest } = f;
  return { ...rest, ...(nodeRegistration && { nodeRegistration: nodeRegistrationFromV1beta3(nodeRegistration) }) };
}

type ComponentV1beta3 = NonNullable<ClusterFileV1beta3['controllerManager']>;

function componentFromV1beta3<C extends ComponentV1beta3>(c: C | undefined) {
  if (!c) return undefined;
  const { extraArgs, ...rest } = c;
  return { ...rest, ...(extraArgs && { extraArgs: argsFromMap(extraArgs) }) };
}

/** The cluster document and, when it set one, the control-plane timeout that moved to Init/Join. */
export function clusterFromV1beta3(f: ClusterFileV1beta3): { cluster: ClusterFile; controlPlaneTimeout?: string } {
  const { apiServer, controllerManager, scheduler, etcd, ...rest } = f;
  const { timeoutForControlPlane, ...apiServerRest } = apiServer ?? {};
  const local = etcd?.local && componentFromV1beta3(etcd.local);
  const external = etcd?.external && { ...etcd.external, httpEndpoints: etcd.external.endpoints };
  const cluster: ClusterFile = {
    ...rest,
    ...(etcd && { etcd: { ...(local && { local }), ...(external && { external }) } }),
    ...(apiServer && { apiServer: componentFromV1beta3(apiServerRest) }),
    ...(controllerManager && { controllerManager: componentFromV1beta3(controllerManager) }),
    ...(scheduler && { scheduler: componentFromV1beta3(scheduler) }),
  };
  // kubeadm keeps the v1beta4 default when the old field was 0 or already the default.
  const moved = timeoutForControlPlane && timeoutForControlPlane !== '0s' && timeoutForControlPlane !== DEFAULTS.timeouts.controlPlaneComponentHealthCheck;
  return moved ? { cluster, controlPlaneTimeout: timeoutForControlPlane } : { cluster };
}

export function joinFromV1beta3(f: JoinFileV1beta3): JoinFile {
  const { nodeRegistration, discovery, ...rest } = f;
  const { timeout, ...discoveryRest } = discovery ?? {};
  return {
    ...rest,
    ...(nodeRegistration && { nodeRegistration: nodeRegistrationFromV1beta3(nodeRegistration) }),
    ...(discovery && { discovery: discoveryRest }),
    ...(timeout && { timeouts: { discovery: timeout } }),
  };
}
