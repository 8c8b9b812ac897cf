import { EXIT_CODES, UserError } from '../errors.js';
import type { PhaseIO } from './phase.js';

/** What a check found: warnings are printed, errors fail the run unless the check is ignored. */
export interface Findings {
  warnings?: string[];
  errors?: string[];
}

/** One preflight check, named as kubeadm names it (the name `--ignore-preflight-errors` takes). */
export interface Check {
  name: string;
  run(): Promise<Findings>;
}

/** Runs the checks in order and fails once (a failed precondition, exit 3) with every error that is not ignored (lower-case names, or `all`). */
export async function runChecks(checks: Check[], ignored: Set<string>, io: PhaseIO): Promise<void> {
  const fatal: string[] = [];
  for (const check of checks) {
    const { warnings = [], errors = [] } = await check.run();
    const ignore = ignored.has('all') || ignored.has(check.name.toLowerCase());
    for (const warning of [...warnings, ...(ignore ? errors : [])]) io.log(`\t[WARNING ${check.name}]: ${warning}`);
    if (!ignore) fatal.push(...errors.map((e) => `\t[ERROR ${check.name}]: ${e}`));
  }
  if (fatal.length) {
    throw new UserError(
      `[preflight] Some fatal errors occurred:\n${fatal.join('\n')}\n` +
        '[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`',
      EXIT_CODES.precondition,
    );
  }
}
