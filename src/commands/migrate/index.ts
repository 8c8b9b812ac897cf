/** `bosun migrate`: moving nodes off Docker and between cgroup drivers, with a report of what that meets first. */
import type { Command } from 'commander';
import type { CommandEnvironment } from '../../workflow/flags.js';
import { registerMigrateReport } from './report.js';
import { registerMigrateRuntime } from './runtime.js';
import { registerMigrateCgroupDriver } from './cgroup-driver.js';

export function registerMigrate(program: Command, env: CommandEnvironment): void {
  const migrate = program.command('migrate').description('Move nodes off Docker (dockershim, cri-dockerd) to containerd, and between cgroup drivers');
  registerMigrateReport(migrate, env);
  registerMigrateRuntime(migrate, env);
  registerMigrateCgroupDriver(migrate, env);
}
