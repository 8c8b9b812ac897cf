/**
 * The inventory: which nodes bosun reaches and how, and how each one's kubelet binary is replaced. YAML or JSON:
 *
 *   apiVersion: bosun.dev/v1alpha1
 *   kind: Inventory
 *   nodes:
 *     - name: worker-1
 *       local: {root: /srv/nodes/worker-1}      # this machine; `root` when the node's files live under a directory
 *       kubelet: {install: binary, from: /opt/kubelet/{version}/kubelet, link: true}
 *
 * `local` is the one way to reach a node today (SSH comes next, as `ssh: {...}`). `kubelet.install` is `package`
 * (apt, dnf or yum on the node; the default on `/`), `none` (the operator does it; the default under a root) or
 * `binary` (`from`, a path on the machine bosun runs on, `{version}` standing for the kubelet version, copied, or
 * linked with `link: true`, to the node's /usr/bin/kubelet).
 */
import { describeError, systemProblem, UserError } from '../errors.js';
import { readText, type Host } from '../host/host.js';
import { parseYaml } from '../util/yaml.js';

export const INVENTORY_API_VERSION = 'bosun.dev/v1alpha1';
export const INVENTORY_KIND = 'Inventory';

export type KubeletInstall = { install: 'package' } | { install: 'none' } | { install: 'binary'; from: string; link: boolean };

export interface InventoryNode {
  name: string;
  /** This machine, the node's files under `root` (`/` for the machine itself). */
  local: { root: string };
  kubelet: KubeletInstall;
}

export type Inventory = Map<string, InventoryNode>;

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What `upgrade node` does by default: the package on a real node, nothing on a node rendered under a root. */
export const defaultKubeletInstall = (root: string): KubeletInstall => ({ install: root === '/' ? 'package' : 'none' });

function unknownFields(obj: Fields, known: string[], where: string): void {
  const extra = Object.keys(obj).filter((k) => !known.includes(k));
  if (extra.length) throw new Error(`${where}: unknown field "${extra[0]}" (known: ${known.join(', ')})`);
}

function kubeletInstall(value: unknown, root: string, where: string): KubeletInstall {
  if (value === undefined) return defaultKubeletInstall(root);
  if (!isObject(value)) throw new Error(`${where}: expected a mapping such as {install: package}`);
  const { install, from, link } = value;
  if (install === 'package' || install === 'none') {
    unknownFields(value, ['install'], where);
    return { install };
  }
  if (install !== 'binary') throw new Error(`${where}.install: expected "package", "none" or "binary", got ${JSON.stringify(install)}`);
  unknownFields(value, ['install', 'from', 'link'], where);
  if (typeof from !== 'string' || !from.startsWith('/')) {
    throw new Error(`${where}.from: expected the absolute path of a kubelet binary on this machine ({version} stands for the version)`);
  }
  if (link !== undefined && typeof link !== 'boolean') throw new Error(`${where}.link: expected true or false`);
  return { install, from, link: link ?? false };
}

function inventoryNode(value: unknown, where: string): InventoryNode {
  if (!isObject(value)) throw new Error(`${where}: expected a mapping with name, local and kubelet`);
  unknownFields(value, ['name', 'local', 'kubelet'], where);
  const { name, local } = value;
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    throw new Error(`${where}.name: expected a node name (lower case letters, digits, "-" and "."), got ${JSON.stringify(name)}`);
  }
  if (!isObject(local)) throw new Error(`${where}.local: expected how bosun reaches the node: local: {} (this machine) or local: {root: DIR}`);
  unknownFields(local, ['root'], `${where}.local`);
  const root = local.root ?? '/';
  if (typeof root !== 'string' || !root.startsWith('/')) throw new Error(`${where}.local.root: expected an absolute directory`);
  return { name, local: { root }, kubelet: kubeletInstall(value.kubelet, root, `${where}.kubelet`) };
}

/** Validates an inventory document; errors name the field (`nodes[2].kubelet.from`). */
export function parseInventory(text: string): Inventory {
  const doc = parseYaml(text);
  if (!isObject(doc)) throw new Error('expected a mapping with apiVersion, kind and nodes');
  unknownFields(doc, ['apiVersion', 'kind', 'nodes'], 'the document');
  if (doc.apiVersion !== INVENTORY_API_VERSION) throw new Error(`apiVersion: expected "${INVENTORY_API_VERSION}", got ${JSON.stringify(doc.apiVersion)}`);
  if (doc.kind !== INVENTORY_KIND) throw new Error(`kind: expected "${INVENTORY_KIND}", got ${JSON.stringify(doc.kind)}`);
  if (!Array.isArray(doc.nodes)) throw new Error('nodes: expected a list of nodes');
  const inventory: Inventory = new Map();
  doc.nodes.forEach((value, i) => {
    const node = inventoryNode(value, `nodes[${i}]`);
    if (inventory.has(node.name)) throw new Error(`nodes[${i}].name: "${node.name}" is listed twice`);
    inventory.set(node.name, node);
  });
  return inventory;
}

/** Reads and validates `file` on the operator's machine; every error names the file. */
export async function readInventory(machine: Host, file: string, flag = '--inventory'): Promise<Inventory> {
  let text: string | undefined;
  try {
    text = await readText(machine, file);
  } catch (err) {
    throw new UserError({ what: systemProblem(err) ?? describeError(err), where: { flag, file }, cause: err });
  }
  if (text === undefined) throw new UserError(`${flag} ${file}: file not found`);
  try {
    return parseInventory(text);
  } catch (err) {
    throw new UserError(`${flag} ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** The YAML of an inventory, for whoever writes one (comments are the caller's). */
export function inventoryDocument(nodes: InventoryNode[]): object {
  return { apiVersion: INVENTORY_API_VERSION, kind: INVENTORY_KIND, nodes };
}
