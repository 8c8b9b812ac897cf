/**
 * Resuming an `upgrade apply` that was killed: its journal (journal.ts) says which components it had backed up
 * and which one it was changing. The control plane may be restarting on either manifest when the re-run starts
 * (an API server's old process takes its termination grace period to go), so the run first waits, within the
 * component timeout, for the API server to answer; then the phases continue with the interrupted run's backups.
 */
import { formatDuration } from '../../config/duration.js';
import { UserError } from '../../errors.js';
import { apiServerProbe, pollUntil } from '../../node/control-plane-health.js';
import type { PhaseIO } from '../../workflow/phase.js';
import type { UpgradeContext } from './context.js';
import { adoptJournal, APPLY_JOURNAL, checkSameTarget, PRECONDITION, readApplyJournal, type ApplyJournal } from './journal.js';

const POLL_MS = 500;

/** etcd, kube-apiserver (or "none"); the component the run was changing, if it had not finished. */
function progressOf(journal: ApplyJournal): string {
  const done = journal.upgraded.filter((e) => e.healthy).map((e) => e.component);
  const changing = journal.upgraded.find((e) => !e.healthy)?.component ?? journal.inFlight;
  return `components upgraded: ${done.join(', ') || 'none'}${changing ? `; being upgraded when it stopped: ${changing}` : ''}`;
}

/** The API server answers /readyz (on its old manifest or its new one); fails with what it last said at the timeout. */
async function waitForApiServer(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  const timeout = formatDuration(BigInt(ctx.options.timeoutMs) * 1_000_000n);
  io.log(`[upgrade/resume] Waiting up to ${timeout} for the API server of ${ctx.options.kubeconfigPath} to answer /readyz (it may be restarting)`);
  const outcome = await io.wait('the API server to answer /readyz', () =>
    pollUntil(apiServerProbe(ctx.cluster, ['/readyz']), Date.now() + ctx.options.timeoutMs, POLL_MS),
  );
  if (!outcome.healthy) {
    throw new UserError(
      `the API server did not answer /readyz within ${timeout}: ${outcome.last}. The interrupted upgrade is kept in ${APPLY_JOURNAL}: ` +
        'once the control plane is back, run the same "bosun upgrade apply" again to finish it',
      PRECONDITION,
    );
  }
  io.log('[upgrade/resume] The API server answers');
}

/**
 * When this node holds the journal of an interrupted whole `upgrade apply` (to the same version: another one is
 * refused), says so, waits for the API server and takes the run over. Nothing happens without a journal.
 */
export async function resumeInterruptedRun(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  if (!ctx.run.journaled) return;
  const journal = await readApplyJournal(ctx.host);
  if (!journal) return;
  checkSameTarget(journal, await ctx.target());
  io.log(`[upgrade/resume] Resuming the interrupted "upgrade apply ${journal.target}" of this node (journal ${APPLY_JOURNAL}, backups of ${journal.stamp})`);
  io.log(`[upgrade/resume] It had ${progressOf(journal)}`);
  await waitForApiServer(ctx, io);
  adoptJournal(ctx.run, journal);
}

/** The interrupted run `upgrade apply <target>` would resume, if any (another version's is refused). */
export async function interruptedRun(ctx: UpgradeContext): Promise<ApplyJournal | undefined> {
  const journal = await readApplyJournal(ctx.host);
  if (journal) checkSameTarget(journal, await ctx.target());
  return journal;
}
