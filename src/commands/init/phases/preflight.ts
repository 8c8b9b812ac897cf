import { localMachine, type Machine } from '../../../host/machine.js';
import { controlPlaneChecks } from '../../../node/control-plane-checks.js';
import { runChecks } from '../../../workflow/checks.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

/**
 * Runs every check, then fails once listing all errors, as kubeadm does. A check named in
 * --ignore-preflight-errors (lower case, or `all`) has its errors printed as warnings instead.
 */
export async function runPreflight(ctx: InitContext, io: PhaseIO, machine: Machine = localMachine): Promise<void> {
  io.log('[preflight] Running pre-flight checks');
  await runChecks(controlPlaneChecks(ctx, machine), ctx.options.ignorePreflightErrors, io);
}

export const preflightPhase: Phase<InitContext> = {
  name: 'preflight',
  description: 'Run pre-flight checks',
  help: 'Checks ports, files, swap, CPUs, memory, programs and the Kubernetes version; --ignore-preflight-errors=<check>,... or all turns errors into warnings.',
  run: (ctx, io) => runPreflight(ctx, io, ctx.machine),
};
