/**
 * What `bosun apply` will do to each host, from what each host's disk says (survey.ts) and whether the cluster
 * exists: init the first control-plane host of a new cluster, join the hosts that are no node yet (control-plane
 * hosts one at a time, workers in parallel), leave alone the hosts that already are nodes. Pure: the plan is shown
 * before anything changes, and tested on its own.
 */
import { UserError } from '../../errors.js';
import type { InventoryHost } from '../../inventory/inventory.js';
import type { ApplyJournal } from './journal.js';
import type { Departure } from './prune-plan.js';

/** A host's disk as bosun finds it. */
export interface HostSurvey {
  /** What `/usr/bin/kubelet --version` says, or undefined without one. */
  kubelet?: string;
  /** The node has /etc/kubernetes/kubelet.conf: it is a node of some cluster (init or join ran). */
  kubeletConf: boolean;
  /** The node has /etc/kubernetes/admin.conf: a control-plane node. */
  adminConf: boolean;
}

export type Action = 'init' | 'join-control-plane' | 'join-worker' | 'none';

export interface HostPlan {
  host: InventoryHost;
  action: Action;
  /** The kubelet of the cluster's version is installed first (the host has none). */
  installKubelet: boolean;
  /** Why, in a few words, for the plan's table. */
  why: string;
  /** An interrupted run started this step (its journal says so): it is finished, without preflight (the host is half done). */
  resumed?: boolean;
}

export interface ApplyPlan {
  hosts: HostPlan[];
  /** The control-plane host whose admin.conf reaches the cluster: the one init runs on, or one that is a node. */
  leader: InventoryHost;
  /** Whether the cluster exists before this run. */
  clusterExists: boolean;
  /** Nodes no host of the file keeps (prune.ts): removed with --prune, else kept and shown. */
  departures: Departure[];
  /** The file names a newer Kubernetes version than the cluster runs (upgrade.ts). */
  upgrade?: VersionChange;
}

export interface VersionChange {
  from: string;
  to: string;
}

const joinAction = (host: InventoryHost): Action => (host.role === 'control-plane' ? 'join-control-plane' : 'join-worker');

/**
 * The plan for `hosts` (in the cluster file's order) given each host's survey, when the cluster exists the names
 * of its Nodes, and the journal an interrupted run left. A host that has a kubelet.conf but no Node in the cluster
 * belongs to another cluster, unless the journal says this file's run was joining it: bosun refuses to guess, and
 * says how to make the host fresh again. An init the journal says did not finish is finished on its host, never
 * started on another.
 */
export function planApply(
  hosts: InventoryHost[],
  surveys: Map<string, HostSurvey>,
  nodes: Set<string> | undefined,
  version: string,
  journal?: ApplyJournal,
  departures: Departure[] = [],
): ApplyPlan {
  refuseWindowsControlPlanes(hosts);
  const survey = (h: InventoryHost) => surveys.get(h.name)!;
  const initializing = journal?.initializing ? journalLeader(hosts, journal) : undefined;
  const leader = initializing ?? hosts.find((h) => h.role === 'control-plane' && survey(h).adminConf) ?? hosts.find((h) => h.role === 'control-plane')!;
  const clusterExists = !initializing && survey(leader).adminConf;
  const plans = hosts.map((host): HostPlan => {
    const s = survey(host);
    const installKubelet = s.kubelet === undefined;
    if (!clusterExists) {
      if (host === initializing) return { host, action: 'init', installKubelet, why: 'resuming its interrupted init', resumed: true };
      if (s.kubeletConf) throw foreignNode(host);
      return {
        host,
        action: host === leader ? 'init' : joinAction(host),
        installKubelet,
        why: host === leader ? 'first control-plane host' : 'not a node yet',
      };
    }
    if (journal?.joining.includes(host.name)) return { host, action: joinAction(host), installKubelet, why: 'resuming its interrupted join', resumed: true };
    if (s.kubeletConf && nodes?.has(host.name)) {
      const other = s.kubelet && s.kubelet !== version ? `; its kubelet is ${s.kubelet}, the file names ${version}` : '';
      return { host, action: 'none', installKubelet: false, why: `already a node${other}` };
    }
    if (s.kubeletConf) throw foreignNode(host);
    return { host, action: joinAction(host), installKubelet, why: 'not a node yet' };
  });
  return { hosts: plans, leader, clusterExists, departures };
}

/** Kubernetes runs its control plane on Linux only: a Windows host with the control-plane role stops the plan. */
function refuseWindowsControlPlanes(hosts: InventoryHost[]): void {
  const windows = hosts.filter((h) => h.os === 'windows' && h.role === 'control-plane').map((h) => h.name);
  if (!windows.length) return;
  throw new UserError(
    `host${windows.length > 1 ? 's' : ''} ${windows.join(', ')}: os: windows with role: control-plane; a Windows node can only be a worker ` +
      '(Kubernetes runs its control plane on Linux): make it role: worker; nothing was changed',
  );
}

/** The control-plane host an interrupted init ran on: still one in the file, or bosun cannot finish it. */
function journalLeader(hosts: InventoryHost[], journal: ApplyJournal): InventoryHost {
  const leader = hosts.find((h) => h.name === journal.leader && h.role === 'control-plane');
  if (leader) return leader;
  throw new UserError(
    `an interrupted bosun apply was initialising the cluster on host ${journal.leader}, which the cluster file no longer lists as a control-plane host; ` +
      `nothing was changed. List it again to finish that init, or reset it (remove /etc/kubernetes and /var/lib/kubelet) to start over`,
  );
}

function foreignNode(host: InventoryHost): UserError {
  return new UserError(
    `host ${host.name}: it has /etc/kubernetes/kubelet.conf but is no Node of this cluster (another cluster's node, or a join that did not finish); ` +
      'nothing was changed. Reset the host (remove /etc/kubernetes and /var/lib/kubelet) or remove it from the cluster file',
  );
}

/** Whether the plan changes anything. */
export const changes = (plan: ApplyPlan): boolean =>
  plan.hosts.some((h) => h.action !== 'none' || h.installKubelet) || plan.departures.some((d) => d.action === 'remove') || plan.upgrade !== undefined;

const ACTION_TEXT: Record<Action, string> = {
  init: 'init (bosun init phases)',
  'join-control-plane': 'join as control-plane (one at a time)',
  'join-worker': 'join as worker (in parallel)',
  none: 'leave alone',
};

/** A Windows host that joins is prepared first (bosun node prepare's steps). */
export const preparesWindows = (h: HostPlan): boolean => h.host.os === 'windows' && h.action === 'join-worker';

/** What the plan does to a host's kubelet, for the table. */
function kubeletText(h: HostPlan, version: string): string {
  if (preparesWindows(h)) return `prepare Windows (kubelet.exe ${version})`;
  return h.installKubelet ? `install ${version}` : 'present';
}

/** The plan as a table: host, role, kubelet, action, why. */
export function planTable(plan: ApplyPlan, version: string): string {
  const rows = [
    ['HOST', 'ROLE', 'KUBELET', 'ACTION', 'WHY'],
    ...plan.hosts.map((h) => [h.host.name, h.host.role, kubeletText(h, version), ACTION_TEXT[h.action], h.why]),
    ...plan.departures.map((d) => [d.name, d.role, '-', d.action === 'remove' ? 'remove (drain, etcd member, Node)' : ACTION_TEXT.none, d.why]),
  ];
  return table(rows);
}

/** The upgrade's line under the plan's table, when there is one. */
export function upgradeText(plan: ApplyPlan): string {
  if (!plan.upgrade) return '';
  const { from, to } = plan.upgrade;
  return `Upgrade ${from} → ${to} first: the control plane on ${plan.leader.name} (upgrade apply), then every node one after another (the roll of upgrade nodes)\n`;
}

/** Columns padded to their widest cell. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}
