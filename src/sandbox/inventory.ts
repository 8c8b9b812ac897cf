/**
 * How the sandbox makes its nodes reachable like any others: each node's rootfs gets a kubelet binary on its
 * disk when the node is made, and the sandbox writes an inventory (bosun's public format) saying that each node
 * is this machine under its rootfs and that its kubelet is replaced by linking the cached binary of a version.
 * `bosun upgrade nodes --inventory <file>` then reaches them without knowing it is a sandbox.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KUBELET_BINARY } from '../kube/paths.js';
import { inventoryDocument, type InventoryHost } from '../inventory/inventory.js';
import { emitYaml } from '../util/yaml.js';
import { artifactDir, kubernetesArtifact } from './binaries.js';
import { sandboxPaths } from './paths.js';
import type { SandboxState } from './state.js';

/** The cached kubelet of every version, `{version}` standing for the version (the inventory's `kubelet.from`). */
export const cachedKubelet = (): string => path.join(artifactDir(kubernetesArtifact('{version}')), 'kubelet');

/** Links `binary` as the node's kubelet unless the node has one (a later upgrade's stays). */
export async function ensureNodeKubelet(rootfs: string, binary: string): Promise<void> {
  const link = path.join(rootfs, KUBELET_BINARY);
  if (await fs.lstat(link).catch(() => undefined)) return;
  await fs.mkdir(path.dirname(link), { recursive: true });
  const temp = `${link}.${process.pid}.tmp`;
  await fs.rm(temp, { force: true });
  await fs.symlink(binary, temp);
  await fs.rename(temp, link);
}

/** Writes the inventory of every node of the sandbox (atomically); returns its path. */
export async function writeInventory(dir: string, state: SandboxState): Promise<string> {
  const paths = sandboxPaths(dir);
  const nodes: InventoryHost[] = state.nodes.map((n) => ({
    name: n.name,
    role: n.role,
    os: 'linux',
    reach: { via: 'local', root: paths.nodeRoot(n.name) },
    kubelet: { install: 'binary', from: cachedKubelet(), link: true },
  }));
  const text =
    `# How bosun reaches the nodes of the sandbox in ${paths.root}: this machine, each node's files under its\n` +
    `# directory, its kubelet the cached binary of a version. Written by "bosun sandbox up" and "join".\n${emitYaml(inventoryDocument(nodes))}`;
  const temp = `${paths.inventory}.${process.pid}.tmp`;
  await fs.writeFile(temp, text);
  await fs.rename(temp, paths.inventory);
  return paths.inventory;
}

/** Every node of the sandbox with a kubelet on its disk (what its Node reports comes from it), and the inventory. */
export async function equipNodes(dir: string, state: SandboxState, kubelet: string): Promise<string> {
  await Promise.all(state.nodes.map((n) => ensureNodeKubelet(sandboxPaths(dir).nodeRoot(n.name), kubelet)));
  return writeInventory(dir, state);
}
