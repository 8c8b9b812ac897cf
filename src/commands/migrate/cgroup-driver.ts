/** `bosun migrate cgroup-driver --to systemd|cgroupfs`: the kubelet-config ConfigMap, then every node's kubelet and runtime. */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { KUBELET_CONFIG_FILE } from '../../kube/paths.js';
import type { NodeRuntimeFacts } from '../../node/runtime-facts.js';
import { backupDir } from '../../node/roll-backup.js';
import { abortCommand, addRollFlags, connectRoll, rollAction, type RollSession } from '../../roll/command.js';
import type { RollJournal } from '../../roll/journal/journal.js';
import type { CgroupDriver } from '../../runtime/endpoints.js';
import { CONTAINERD_CONFIG } from '../../runtime/paths.js';
import type { CommandEnvironment } from '../../workflow/flags.js';
import { cgroupKind, runtimeOf } from './cgroup-work.js';
import { resumeMigration, startMigration, type MigrateFlags, type Migration } from './migration.js';

/** Why a node cannot move to `driver`, or undefined: bosun must read and be able to set its runtime's driver. */
export function cgroupRefusal(facts: NodeRuntimeFacts, systemd: boolean, driver: CgroupDriver): string | undefined {
  if ((facts.runtime !== 'containerd' && facts.runtime !== 'crio') || facts.runtimeCgroupDriver === undefined)
    return `bosun cannot read its runtime's cgroup driver (runtime ${facts.runtime ?? 'unknown'}${facts.problems.length ? `: ${facts.problems.join('; ')}` : ''}); containerd and CRI-O nodes only`;
  if (driver === 'systemd' && !systemd) return 'it has no systemd (/run/systemd/system is missing): the systemd cgroup driver needs systemd as init';
  // containerd reads the files config.toml imports after it: a driver set there would win over the one bosun writes.
  if (facts.runtimeCgroupDriverFrom !== undefined && facts.containerdImports?.includes(facts.runtimeCgroupDriverFrom))
    return `its containerd cgroup driver is set in ${facts.runtimeCgroupDriverFrom}, which ${CONTAINERD_CONFIG} imports and which wins over it: move SystemdCgroup into ${CONTAINERD_CONFIG} first`;
  return undefined;
}

function cgroupMigration(session: RollSession, driver: CgroupDriver): Migration {
  return {
    purpose: 'migrate-cgroup-driver',
    target: driver,
    done: (_node, facts) =>
      facts.kubeletCgroupDriver === driver && facts.runtimeCgroupDriver === driver
        ? `already on ${driver} (${facts.kubeletCgroupDriverFrom} and ${facts.runtimeCgroupDriverFrom} say so)`
        : undefined,
    refuse: (_node, facts, systemd) => cgroupRefusal(facts, systemd, driver),
    from: (_node, facts) => `kubelet ${facts.kubeletCgroupDriver}, ${facts.runtime} ${facts.runtimeCgroupDriver}`,
    changes: (facts: NodeRuntimeFacts) => [
      `every file below backed up to ${backupDir('<roll id>')}/`,
      `stop the kubelet and ${runtimeOf(facts).service}`,
      `${runtimeOf(facts).file}: ${facts.runtime === 'crio' ? `cgroup_manager = "${driver}"` : `SystemdCgroup = ${driver === 'systemd'}`}`,
      `${KUBELET_CONFIG_FILE}: cgroupDriver: ${driver}`,
      `start ${runtimeOf(facts).service} and the kubelet; wait until Ready with both files on ${driver}`,
    ],
    before: {
      steps: ['kubelet-config'],
      lines: [`ConfigMap kube-system/kubelet-config: cgroupDriver: ${driver} (so no later upgrade writes the old driver back)`],
    },
    kindOf: (journal: RollJournal) => cgroupKind(journal.id, journal.target as CgroupDriver, (work) => session.hosts.bounded(work)),
  };
}

export function registerMigrateCgroupDriver(migrate: Command, env: CommandEnvironment): void {
  const cmd = migrate
    .command('cgroup-driver')
    .description(
      'Move the kubelet and the runtime of every node to one cgroup driver: the kubelet-config ConfigMap first, then per node drain, switch both, wait Ready, uncordon',
    )
    .option('--to <driver>', 'the cgroup driver: systemd or cgroupfs')
    .option('--nodes <a,b>', 'only these nodes, by name');
  addRollFlags(cmd, env, 'migrated').action((flags: MigrateFlags) => {
    const driver = flags.to as CgroupDriver;
    if (!flags.abort && !flags.resume && driver !== 'systemd' && driver !== 'cgroupfs')
      throw new UserError(`--to: expected systemd or cgroupfs, got "${flags.to ?? ''}"`);
    const kindOf = (session: RollSession) => cgroupMigration(session, driver).kindOf;
    return rollAction(flags, () => connectRoll(flags, env), {
      start: (session) => startMigration(session, flags, cgroupMigration(session, driver)),
      resume: (session) => resumeMigration(session, 'migrate-cgroup-driver', kindOf(session)),
      abort: (session) => abortCommand(session, 'migrate-cgroup-driver', kindOf(session)),
    });
  });
}
