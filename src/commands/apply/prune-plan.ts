/**
 * The nodes `bosun apply` takes out of the cluster, planned: a Node no host of the file names, and a host the file
 * marks `reset: true` (k0sctl's marker: the host stays in the file so bosun can still reach it and clean it). Never
 * silently: without `--prune` they are kept and the plan says so. Pure; prune.ts removes them.
 */
import { UserError } from '../../errors.js';
import type { InventoryHost } from '../../inventory/inventory.js';
import { CONTROL_PLANE_LABEL } from '../../kube/labels.js';
import type { Node } from '../../kube/workloads.js';

/** What planning needs of a host's survey (plan.ts's HostSurvey). */
type Survey = { kubeletConf: boolean; adminConf: boolean };

export interface Departure {
  name: string;
  role: 'control-plane' | 'worker';
  /** The host of a node the file marks `reset: true`: its machine is reached and cleaned. */
  host?: InventoryHost;
  action: 'remove' | 'keep';
  why: string;
}

const isControlPlane = (node: Node) => node.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined;

/**
 * The nodes leaving the cluster, in a stable order (workers first: they hold no etcd member). `nodes` is the
 * cluster's Nodes (undefined: no cluster yet, nothing leaves); `hosts` the file's hosts, reset ones included.
 */
export function planDepartures(hosts: InventoryHost[], surveys: Map<string, Survey>, nodes: Node[] | undefined, prune: boolean): Departure[] {
  if (!nodes) return [];
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  const named = new Set(hosts.map((h) => h.name));
  const keep = (why: string) => `${why}: kept (give --prune to remove)`;
  const strays = nodes
    .filter((n) => !named.has(n.metadata.name))
    .map((n): Departure => ({
      name: n.metadata.name,
      role: isControlPlane(n) ? 'control-plane' : 'worker',
      action: prune ? 'remove' : 'keep',
      why: prune ? 'not in the file; bosun cannot reach its machine: its files are left' : keep('not in the file'),
    }));
  const marked = hosts
    .filter((h) => h.reset && (byName.has(h.name) || surveys.get(h.name)?.kubeletConf))
    .map((h): Departure => ({
      name: h.name,
      role: byName.has(h.name) ? (isControlPlane(byName.get(h.name)!) ? 'control-plane' : 'worker') : h.role,
      host: h,
      action: prune ? 'remove' : 'keep',
      why: prune ? 'reset: true in the file' : keep('reset: true in the file'),
    }));
  const leaving = [...strays, ...marked].sort(
    (a, b) => Number(a.role === 'control-plane') - Number(b.role === 'control-plane') || a.name.localeCompare(b.name),
  );
  const remaining = nodes.filter((n) => isControlPlane(n) && !leaving.some((d) => d.action === 'remove' && d.name === n.metadata.name));
  if (prune && leaving.length && !remaining.length) {
    throw new UserError('--prune would remove every control-plane node of the cluster; nothing was changed. Keep at least one control-plane host in the file');
  }
  return leaving;
}

/**
 * Hosts marked `reset: true` must leave a control-plane host that stays, and must not be the only way to the
 * cluster: the plan's leader is a control-plane host of the file that is a node, never one that leaves.
 */
export function checkResetHosts(hosts: InventoryHost[], surveys: Map<string, Survey>): void {
  const staying = hosts.filter((h) => !h.reset && h.role === 'control-plane');
  if (!staying.length) throw new UserError('every control-plane host of the file is marked reset: true; nothing was changed. Keep at least one');
  const stranded = hosts.find((h) => h.reset && surveys.get(h.name)?.adminConf);
  if (stranded && !staying.some((h) => surveys.get(h.name)?.adminConf)) {
    throw new UserError(
      `host ${stranded.name}: marked reset: true, but no other control-plane host of the file is a node of its cluster; nothing was changed. ` +
        'Join another control-plane host first, then reset this one',
    );
  }
}
