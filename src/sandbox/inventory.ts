/**
 * How the sandbox makes its nodes reachable like any others. Two cluster files, in bosun's public format:
 * `inventory.yaml` says each node is this machine under its rootfs, its kubelet replaced by linking the cached
 * binary of a version; `cluster.yaml` names each node with a machine as an SSH host (its sshd, the sandbox's key,
 * root) whose kubelet is the cached binary of a version, pushed over SFTP. `bosun upgrade nodes --inventory <file>`
 * then reaches them without knowing it is a sandbox.
 */
import { promises as fs } from 'node:fs';
import { inventoryDocument, type InventoryHost } from '../inventory/inventory.js';
import { KUBEADM_V1BETA4 } from '../config/types.js';
import { emitYaml } from '../util/yaml.js';
import { artifactDir, kubernetesArtifact } from './binaries.js';
import { SANDBOX_POD_SUBNET } from './init-config.js';
import { CRI_DOCKERD_ENDPOINT } from '../runtime/endpoints.js';
import { sandboxPaths } from './paths.js';
import { writeKnownHosts } from './sshd.js';
import type { SandboxNode, SandboxState } from './state.js';
import { windowsBinaryPath } from './windows-binaries.js';

/** The cached kubelet of every version, `{version}` standing for the version (the cluster files' `kubelet.from`). */
export const cachedKubelet = (): string => `${artifactDir(kubernetesArtifact('{version}'))}/kubelet`;

/** A node's OS in the cluster files, and the cached kubelet its kubelet.from names (kubelet.exe on Windows). */
const nodeOs = (node: SandboxNode) => node.os ?? 'linux';
const kubeletFrom = (node: SandboxNode) => (node.os === 'windows' ? windowsBinaryPath('kubelet.exe', '{version}') : cachedKubelet());

async function writeAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, text);
  await fs.rename(temp, file);
}

/** The sandbox's machines as SSH hosts at their addresses. */
export function sshHosts(dir: string, state: SandboxState): InventoryHost[] {
  const paths = sandboxPaths(dir);
  return state.nodes
    .filter((n) => n.network)
    .map((n) => ({
      name: n.name,
      role: n.role,
      os: nodeOs(n),
      reach: { via: 'ssh', ssh: { address: n.network!.address, port: 22, user: 'root', keyPath: paths.clientKey } },
      kubelet: { install: 'binary', from: kubeletFrom(n), link: false },
    }));
}

/**
 * The kubeadm configuration of a cluster on fresh machines: the version whose binaries the sandbox has, the first
 * control-plane host's address as the endpoint (so more control-plane hosts can join), kwok's pod network.
 */
function freshKubeadm(state: SandboxState): object[] {
  const first = state.nodes.find((n) => n.role === 'control-plane' && n.network);
  // Docker machines (sandbox hosts --runtime docker) have the kubelet join on cri-dockerd; the file has one socket for all.
  const docker = state.nodes.every((n) => n.runtime === 'docker');
  const registration = { nodeRegistration: { criSocket: CRI_DOCKERD_ENDPOINT } };
  return [
    ...(docker
      ? [
          { apiVersion: KUBEADM_V1BETA4, kind: 'InitConfiguration', ...registration },
          { apiVersion: KUBEADM_V1BETA4, kind: 'JoinConfiguration', ...registration },
        ]
      : []),
    {
      apiVersion: KUBEADM_V1BETA4,
      kind: 'ClusterConfiguration',
      kubernetesVersion: state.kubernetesVersion,
      ...(first && { controlPlaneEndpoint: `${first.network!.address}:6443` }),
      networking: { podSubnet: SANDBOX_POD_SUBNET },
    },
  ];
}

/** The SSH cluster file's text: how to use it, which nodes have no machine, then the document. */
export function clusterText(dir: string, state: SandboxState): string {
  const paths = sandboxPaths(dir);
  const without = state.nodes.filter((n) => !n.network).map((n) => n.name);
  const docker = state.nodes.filter((n) => n.runtime === 'docker').map((n) => n.name);
  const mixed = state.freshMachines && docker.length > 0 && docker.length < state.nodes.length;
  const doc = inventoryDocument(sshHosts(dir, state)) as { spec: object };
  const usage = state.freshMachines
    ? `# Fresh machines: no cluster yet. bosun apply -f ${paths.cluster} --known-hosts ${paths.knownHosts}\n`
    : `# bosun upgrade nodes --inventory ${paths.cluster} --known-hosts ${paths.knownHosts}\n`;
  return (
    `# The nodes of the sandbox in ${paths.root} as SSH hosts (each node's sshd, chrooted into its files).\n` +
    usage +
    (without.length ? `# Without a machine of their own (the sandbox's network is full), not listed: ${without.join(', ')}\n` : '') +
    (mixed ? `# Docker machines (${docker.join(', ')}): their kubelet needs criSocket ${CRI_DOCKERD_ENDPOINT}, one file has one for all\n` : '') +
    emitYaml(state.freshMachines ? { ...doc, spec: { ...doc.spec, kubeadm: freshKubeadm(state) } } : doc)
  );
}

/** Writes both cluster files and the machines' known_hosts (atomically); returns the local one's path. */
export async function writeInventories(dir: string, state: SandboxState): Promise<string> {
  const paths = sandboxPaths(dir);
  const local: InventoryHost[] = state.nodes.map((n) => ({
    name: n.name,
    role: n.role,
    os: nodeOs(n),
    reach: { via: 'local', root: paths.nodeRoot(n.name) },
    kubelet: { install: 'binary', from: kubeletFrom(n), link: true },
  }));
  await writeAtomic(
    paths.inventory,
    `# How bosun reaches the nodes of the sandbox in ${paths.root}: this machine, each node's files under its\n` +
      `# directory, its kubelet the cached binary of a version. Written by "bosun sandbox up" and "join".\n${emitYaml(inventoryDocument(local))}`,
  );
  await writeKnownHosts(dir, state.nodes);
  await writeAtomic(paths.cluster, clusterText(dir, state));
  return paths.inventory;
}
