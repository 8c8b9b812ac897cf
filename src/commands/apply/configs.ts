/**
 * Each host's kubeadm configuration, from the cluster file's shared documents and the host's entry: its node name,
 * its address (the API server's advertise address on a control-plane host), the run's bootstrap token (init
 * creates it; joins discover and bootstrap with it) and, when more control-plane hosts join, the run's certificate
 * key. The secrets live in memory only: never written on the operator's disk, never logged.
 */
import { isIP } from 'node:net';
import type { NodeFacts } from '../../config/node-facts.js';
import type { ConfigFile } from '../../config/read.js';
import { UserError } from '../../errors.js';
import { buildInitConfig } from '../../config/resolve.js';
import { buildJoinConfig } from '../../config/join.js';
import type { InitConfig, JoinConfig } from '../../config/types.js';
import type { Machine } from '../../host/machine.js';
import type { ClusterDefinition } from '../../inventory/cluster.js';
import type { InventoryHost } from '../../inventory/inventory.js';

/** The run's secrets: made when the run starts, gone when it ends. */
export interface RunSecrets {
  /** The bootstrap token every join of this run uses; deleted from the cluster when the run ends. */
  token: string;
  /** Encrypts the control-plane certificates in kubeadm-certs for joining control-plane hosts. */
  certificateKey?: string;
}

/** How long the run's token lives if the run could not delete it (killed): long enough for a run, no longer. */
export const RUN_TOKEN_TTL = '1h0m0s';
export const RUN_TOKEN_DESCRIPTION = 'bosun apply: joins the hosts of a cluster file; deleted when the run ends';

/** The address the host is reached at, which its components advertise when it is an IP address. */
export function hostAddress(host: InventoryHost): string | undefined {
  const address = host.reach.via === 'ssh' ? host.reach.ssh.address : undefined;
  return address && isIP(address) ? address : undefined;
}

/** Where joining nodes find the API server: the file's controlPlaneEndpoint, else the leader's address. */
export function apiServerEndpoint(def: ClusterDefinition, leader: InventoryHost, leaderFacts: NodeFacts): string {
  const endpoint = def.kubeadm.cluster?.controlPlaneEndpoint;
  if (endpoint) return endpoint;
  const address = hostAddress(leader) ?? leaderFacts.defaultIPv4();
  return `${address}:6443`;
}

export { kubernetesVersion } from '../../inventory/cluster.js';

/**
 * What resolve derives from the machine, answered for the host: its hostname, its address, no proxy variables.
 * Only a control-plane host is asked its address (to advertise; the leader's is the API server's endpoint without
 * a controlPlaneEndpoint), and only the address it is reached at can answer: a shared advertiseAddress would be wrong
 * for every other host.
 */
export function hostFacts(host: InventoryHost, machine: Machine): NodeFacts {
  const defaultIPv4 = () => {
    const address = hostAddress(host);
    if (address || host.reach.via !== 'ssh') return address;
    throw new UserError({
      where: { host: host.name, field: 'ssh.address' },
      what: `${JSON.stringify(host.reach.ssh.address)} is a name, but its API server advertises an IP address`,
      expected: "the host's IP address",
    });
  };
  return { hostname: () => machine.hostname(), defaultIPv4, proxyEnv: () => [] };
}

/** The InitConfiguration for `host`, as `bosun init --config` would resolve it on that host. */
export function initConfigFor(def: ClusterDefinition, host: InventoryHost, facts: NodeFacts, secrets: RunSecrets): InitConfig {
  const shared = def.kubeadm.init ?? {};
  const file: ConfigFile = {
    ...def.kubeadm,
    init: {
      ...shared,
      nodeRegistration: { ...shared.nodeRegistration, name: host.name },
      localAPIEndpoint: { ...shared.localAPIEndpoint, ...(hostAddress(host) && { advertiseAddress: hostAddress(host) }) },
      bootstrapTokens: [...(shared.bootstrapTokens ?? []), { token: secrets.token, ttl: RUN_TOKEN_TTL, description: RUN_TOKEN_DESCRIPTION }],
      ...(secrets.certificateKey && { certificateKey: secrets.certificateKey }),
    },
    cluster: def.kubeadm.cluster ?? {},
  };
  return buildInitConfig(file, {}, facts);
}

/** The JoinConfiguration for `host`: discovery with the run's token and the CA's pin, its role from the file. */
export function joinConfigFor(
  def: ClusterDefinition,
  host: InventoryHost,
  facts: NodeFacts,
  secrets: RunSecrets,
  cluster: { endpoint: string; caCertHash: string },
): JoinConfig {
  const shared = def.kubeadm.join ?? {};
  const address = hostAddress(host);
  const file: ConfigFile = {
    file: def.kubeadm.file,
    kubelet: def.kubeadm.kubelet,
    join: {
      ...shared,
      nodeRegistration: { ...shared.nodeRegistration, name: host.name },
      discovery: {
        bootstrapToken: { apiServerEndpoint: cluster.endpoint, token: secrets.token, caCertHashes: [cluster.caCertHash] },
        tlsBootstrapToken: secrets.token,
      },
      ...(host.role === 'control-plane' && {
        controlPlane: { localAPIEndpoint: address ? { advertiseAddress: address } : {}, certificateKey: secrets.certificateKey },
      }),
    },
  };
  return buildJoinConfig(file, {}, facts);
}
