import { Option, type Command } from 'commander';
import { parseDuration } from '../config/duration.js';
import { UserError } from '../errors.js';
import { DEFAULT_DRAIN_OPTIONS, type DrainOptions } from '../drain/planner/filters.js';

const integer = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UserError(`${flag}: expected a whole number of seconds, got "${value}"`);
  return n;
};

/** A Go duration (`90s`, `5m`, `0`) as seconds; kubectl's --timeout takes this form. */
export const durationSeconds = (flag: string) => (value: string) => {
  const ns = parseDuration(value);
  if (ns === undefined || ns < 0n) throw new UserError(`${flag}: expected a duration such as "90s", "5m" or "0", got "${value}"`);
  return Number(ns) / 1e9;
};

/** kubectl drain's eviction flags, shared by `bosun drain` and `bosun upgrade nodes`. */
export function addDrainFlags(cmd: Command): Command {
  return cmd
    .option('--force', 'continue even if there are pods that do not declare a controller')
    .option('--delete-emptydir-data', 'continue even if there are pods using emptyDir (local data that will be deleted when the node is drained)')
    .addOption(new Option('--delete-local-data', 'deprecated: use --delete-emptydir-data').hideHelp())
    .addOption(
      new Option('--grace-period <seconds>', "seconds each pod gets to terminate; negative: the pod's own terminationGracePeriodSeconds")
        .default(DEFAULT_DRAIN_OPTIONS.gracePeriodSeconds)
        .argParser(integer('--grace-period')),
    )
    .addOption(
      new Option('--timeout <duration>', "how long to wait for a node's pods before giving up; 0: no limit")
        .default(DEFAULT_DRAIN_OPTIONS.timeoutSeconds)
        .argParser(durationSeconds('--timeout')),
    )
    .option('--pod-selector <selector>', 'label selector to filter pods on the node')
    .option('--disable-eviction', 'delete pods instead of evicting them: PodDisruptionBudgets are not checked, use with caution')
    .addOption(
      new Option('--skip-wait-for-delete-timeout <seconds>', 'pods deleted more than this many seconds ago count as gone; 0: wait for every pod')
        .default(DEFAULT_DRAIN_OPTIONS.skipWaitForDeleteTimeoutSeconds)
        .argParser(integer('--skip-wait-for-delete-timeout')),
    );
}

export interface DrainFlags {
  force?: boolean;
  ignoreDaemonsets?: boolean;
  deleteEmptydirData?: boolean;
  deleteLocalData?: boolean;
  gracePeriod: number;
  timeout: number;
  podSelector?: string;
  disableEviction?: boolean;
  skipWaitForDeleteTimeout: number;
}

export function drainOptions(flags: DrainFlags, ignoreDaemonSets = Boolean(flags.ignoreDaemonsets)): DrainOptions {
  return {
    force: Boolean(flags.force),
    ignoreDaemonSets,
    deleteEmptyDirData: Boolean(flags.deleteEmptydirData || flags.deleteLocalData),
    disableEviction: Boolean(flags.disableEviction),
    gracePeriodSeconds: flags.gracePeriod,
    timeoutSeconds: flags.timeout,
    podSelector: flags.podSelector || undefined,
    skipWaitForDeleteTimeoutSeconds: flags.skipWaitForDeleteTimeout,
  };
}
