/**
 * Which pods of a node a drain deletes, in kubectl's filter order with kubectl's messages
 * (kubectl pkg/drain/filters.go): skip-deleted, DaemonSet, mirror, local storage, unreplicated.
 * The first filter that says "don't delete" ends the chain for that pod.
 */
import { controllerOf, isFinished, podName, type Pod } from '../../kube/workloads.js';
import { MIRROR_ANNOTATION } from '../../kube/labels.js';

/** kubectl drain's flags, with kubectl's defaults. */
export interface DrainOptions {
  force: boolean;
  ignoreDaemonSets: boolean;
  deleteEmptyDirData: boolean;
  /** Plain DELETE instead of eviction: no PodDisruptionBudget check. */
  disableEviction: boolean;
  /** -1: each pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds: number;
  /** For the whole node's evictions and waits; 0: no limit. */
  timeoutSeconds: number;
  /** A label selector the pod list is filtered with (server side). */
  podSelector?: string;
  /** Pods deleted longer ago than this count as gone; 0: never. */
  skipWaitForDeleteTimeoutSeconds: number;
}

export const DEFAULT_DRAIN_OPTIONS: DrainOptions = {
  force: false,
  ignoreDaemonSets: false,
  deleteEmptyDirData: false,
  disableEviction: false,
  gracePeriodSeconds: -1,
  timeoutSeconds: 0,
  skipWaitForDeleteTimeoutSeconds: 0,
};

export const MESSAGES = {
  daemonSetFatal: 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)',
  daemonSetWarning: 'ignoring DaemonSet-managed Pods',
  localStorageFatal: 'Pods with local storage (use --delete-emptydir-data to override)',
  localStorageWarning: 'deleting Pods with local storage',
  unmanagedFatal: 'Pods that declare no controller (use --force to override)',
  unmanagedWarning: 'deleting Pods that declare no controller',
} as const;

/** kubectl's PodDeleteStatus: delete or not, and whether that is fine, worth a warning or fatal. */
export interface PodDecision {
  pod: Pod;
  delete: boolean;
  reason: 'okay' | 'skip' | 'warning' | 'error';
  message?: string;
  /** Which filter decided (the last one run). */
  filter: 'skip-deleted' | 'daemonset' | 'mirror' | 'local-storage' | 'unreplicated' | 'none';
}

export interface FilterFacts {
  /** Whether the DaemonSet `namespace/name` exists (kubectl GETs it for each DaemonSet pod). */
  daemonSetExists(namespace: string, name: string): boolean;
  /** Milliseconds since the epoch, for the skip-deleted filter. */
  now: number;
}

type Filter = (pod: Pod, opts: DrainOptions, facts: FilterFacts) => Omit<PodDecision, 'pod'>;

const okay = (filter: PodDecision['filter']): Omit<PodDecision, 'pod'> => ({ delete: true, reason: 'okay', filter });

const skipDeleted: Filter = (pod, opts, facts) => {
  const deleted = pod.metadata.deletionTimestamp;
  const skip =
    opts.skipWaitForDeleteTimeoutSeconds > 0 &&
    deleted !== undefined &&
    Math.floor((facts.now - Date.parse(deleted)) / 1000) > opts.skipWaitForDeleteTimeoutSeconds;
  return skip ? { delete: false, reason: 'skip', filter: 'skip-deleted' } : okay('skip-deleted');
};

const daemonSet: Filter = (pod, opts, facts) => {
  const owner = controllerOf(pod);
  if (!owner || owner.kind !== 'DaemonSet' || isFinished(pod)) return okay('daemonset');
  if (!facts.daemonSetExists(pod.metadata.namespace, owner.name)) {
    const message = `daemonsets.apps "${owner.name}" not found`;
    // An orphan (its DaemonSet is gone) is deleted with --force, else it is fatal.
    return opts.force ? { delete: true, reason: 'warning', message, filter: 'daemonset' } : { delete: false, reason: 'error', message, filter: 'daemonset' };
  }
  return opts.ignoreDaemonSets
    ? { delete: false, reason: 'warning', message: MESSAGES.daemonSetWarning, filter: 'daemonset' }
    : { delete: false, reason: 'error', message: MESSAGES.daemonSetFatal, filter: 'daemonset' };
};

const mirror: Filter = (pod) =>
  pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined ? { delete: false, reason: 'skip', filter: 'mirror' } : okay('mirror');

/** emptyDir is local storage; hostPath is not (kubectl's hasLocalStorage). */
export const hasLocalStorage = (pod: Pod): boolean => (pod.spec.volumes ?? []).some((v) => v.emptyDir !== undefined && v.emptyDir !== null);

const localStorage: Filter = (pod, opts) => {
  if (!hasLocalStorage(pod) || isFinished(pod)) return okay('local-storage');
  return opts.deleteEmptyDirData
    ? { delete: true, reason: 'warning', message: MESSAGES.localStorageWarning, filter: 'local-storage' }
    : { delete: false, reason: 'error', message: MESSAGES.localStorageFatal, filter: 'local-storage' };
};

const unreplicated: Filter = (pod, opts) => {
  if (isFinished(pod) || controllerOf(pod)) return okay('unreplicated');
  return opts.force
    ? { delete: true, reason: 'warning', message: MESSAGES.unmanagedWarning, filter: 'unreplicated' }
    : { delete: false, reason: 'error', message: MESSAGES.unmanagedFatal, filter: 'unreplicated' };
};

const FILTERS: Filter[] = [skipDeleted, daemonSet, mirror, localStorage, unreplicated];

/** Runs every pod through the filters; the decision is the first "don't delete", else the last filter's. */
export function filterPods(pods: Pod[], opts: DrainOptions, facts: FilterFacts): PodDecision[] {
  return pods.map((pod) => {
    let decision: Omit<PodDecision, 'pod'> = { delete: true, reason: 'okay', filter: 'none' };
    for (const filter of FILTERS) {
      decision = filter(pod, opts, facts);
      if (!decision.delete) break;
    }
    return { pod, ...decision };
  });
}

/** Pod names grouped by message, in the order the messages first appear. */
function groupByMessage(decisions: PodDecision[], reason: PodDecision['reason']): Array<[string, string[]]> {
  const groups = new Map<string, string[]>();
  for (const d of decisions) {
    if (d.reason !== reason) continue;
    const message = d.message || 'unexpected error';
    groups.set(message, [...(groups.get(message) ?? []), podName(d.pod)]);
  }
  return [...groups];
}

/** kubectl's fatal errors, one per message: `cannot delete <message>: ns/a, ns/b`. */
export function drainErrors(decisions: PodDecision[]): string[] {
  return groupByMessage(decisions, 'error').map(([message, pods]) => `cannot delete ${message}: ${pods.join(', ')}`);
}

/** kubectl's warning line (without its `Warning: ` prefix), or '' when there is none. */
export function drainWarnings(decisions: PodDecision[]): string {
  return groupByMessage(decisions, 'warning')
    .map(([message, pods]) => `${message}: ${pods.join(', ')}`)
    .join('; ');
}

/** The pods a drain evicts (or deletes). */
export const podsToDelete = (decisions: PodDecision[]): Pod[] => decisions.filter((d) => d.delete).map((d) => d.pod);
