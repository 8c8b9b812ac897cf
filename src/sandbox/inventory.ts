/**
 * How the sandbox makes its nodes reachable like any others. Two inventories, both in bosun's public formats:
 * `inventory.yaml` (kind Inventory) says each node is this machine under its rootfs, its kubelet replaced by linking
 * the cached binary of a version; `cluster.yaml` (kind Cluster) names each node as an SSH host (its sshd, the
 * sandbox's key, root) whose kubelet is the cached binary of a version, pushed over SFTP. `bosun upgrade nodes
 * --inventory <file>` then reaches them without knowing it is a sandbox.
 */
import { promises as fs } from 'node:fs';
import { inventoryDocument, type InventoryNode } from '../roll/inventory.js';
import { emitYaml } from '../util/yaml.js';
import { artifactDir, kubernetesArtifact } from './binaries.js';
import { sandboxPaths } from './paths.js';
import { writeKnownHosts } from './sshd.js';
import type { SandboxState } from './state.js';

/** The cached kubelet of every version, `{version}` standing for the version (the inventories' `kubelet.from`). */
export const cachedKubelet = (): string => `${artifactDir(kubernetesArtifact('{version}'))}/kubelet`;

export const CLUSTER_API_VERSION = 'bosun.dev/v1alpha1';

async function writeAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, text);
  await fs.rename(temp, file);
}

/** The sandbox's machines as an inventory of kind Cluster: each one an SSH host at its address. */
export function clusterDocument(dir: string, state: SandboxState): object {
  const paths = sandboxPaths(dir);
  const hosts = state.nodes
    .filter((n) => n.network)
    .map((n) => ({
      name: n.name,
      role: n.role,
      os: 'linux',
      ssh: { address: n.network!.address, port: 22, user: 'root', keyPath: paths.clientKey },
      kubelet: { install: 'binary', from: cachedKubelet() },
    }));
  return { apiVersion: CLUSTER_API_VERSION, kind: 'Cluster', metadata: { name: 'sandbox' }, spec: { hosts } };
}

/** The Cluster inventory's text: how to use it, which nodes have no machine, then the document. */
export function clusterText(dir: string, state: SandboxState): string {
  const paths = sandboxPaths(dir);
  const without = state.nodes.filter((n) => !n.network).map((n) => n.name);
  return (
    `# The nodes of the sandbox in ${paths.root} as SSH hosts (each node's sshd, chrooted into its files).\n` +
    `# bosun upgrade nodes --inventory ${paths.cluster} --known-hosts ${paths.knownHosts}\n` +
    (without.length ? `# Without a machine of their own (the sandbox's network is full), not listed: ${without.join(', ')}\n` : '') +
    emitYaml(clusterDocument(dir, state))
  );
}

/** Writes both inventories and the machines' known_hosts (atomically); returns the local inventory's path. */
export async function writeInventories(dir: string, state: SandboxState): Promise<string> {
  const paths = sandboxPaths(dir);
  const nodes: InventoryNode[] = state.nodes.map((n) => ({
    name: n.name,
    local: { root: paths.nodeRoot(n.name) },
    kubelet: { install: 'binary', from: cachedKubelet(), link: true },
  }));
  await writeAtomic(
    paths.inventory,
    `# How bosun reaches the nodes of the sandbox in ${paths.root}: this machine, each node's files under its\n` +
      `# directory, its kubelet the cached binary of a version. Written by "bosun sandbox up" and "join".\n${emitYaml(inventoryDocument(nodes))}`,
  );
  await writeKnownHosts(dir, state.nodes);
  await writeAtomic(paths.cluster, clusterText(dir, state));
  return paths.inventory;
}
