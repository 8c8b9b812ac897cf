/**
 * The journal of a whole `upgrade apply` on this node: the target, the run's backup stamp, the component being
 * changed and the components whose backups are complete (with where they went). Written before each change, so
 * the file is always ahead of the node: a component it does not list still runs its old manifest. A run killed at
 * any point leaves it behind; the next `upgrade apply` of the same version finds it and resumes (see resume.ts).
 */
import path from 'node:path/posix';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { readText, type Host } from '../../host/host.js';
import { SECRET_MODE, TEMP_DIR } from '../../kube/paths.js';
import { backupDirs, ensureTempDir } from './backup.js';
import type { UpgradeContext, UpgradeRun } from './context.js';

export const APPLY_JOURNAL = path.join(TEMP_DIR, 'bosun-upgrade-apply.json');

/** A failed precondition on the node or the cluster (exit code 3): bosun could act, but not on this state. */
export const PRECONDITION = 3;

const COMPONENT = z.enum(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);

const JOURNAL = z.strictObject({
  kind: z.literal('UpgradeApplyJournal'),
  target: z.string(),
  stamp: z.string().regex(/^\d{4}(-\d\d){5}$/),
  inFlight: COMPONENT.optional(),
  upgraded: z.array(
    z.strictObject({
      component: COMPONENT,
      manifestBackup: z.string(),
      previousHash: z.string().optional(),
      etcdData: z.strictObject({ dir: z.string().startsWith('/'), backup: z.string() }).optional(),
      healthy: z.boolean().optional(),
    }),
  ),
});

export type ApplyJournal = z.infer<typeof JOURNAL>;

const startOver = `remove ${APPLY_JOURNAL} to start a new upgrade (the backups stay under ${TEMP_DIR})`;

/** The journal an interrupted run left on this node, if any; a file bosun cannot read back is refused naming it. */
export async function readApplyJournal(host: Host): Promise<ApplyJournal | undefined> {
  const text = await readText(host, APPLY_JOURNAL);
  if (text === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UserError(`${APPLY_JOURNAL}: not the JSON journal of an "upgrade apply" run; ${startOver}`, PRECONDITION);
  }
  const parsed = JOURNAL.safeParse(data);
  const problem = parsed.success ? backupProblem(parsed.data) : parsed.error.issues[0];
  if (problem) throw new UserError(`${APPLY_JOURNAL}: field ${problem.path.join('.') || '(top level)'}: ${problem.message}; ${startOver}`, PRECONDITION);
  return parsed.data;
}

/**
 * A resumed run restores from the backups the journal names (replacing etcd's data directory with one): they must
 * be the ones its run took, where its stamp puts them.
 */
function backupProblem(journal: ApplyJournal): { path: Array<string | number>; message: string } | undefined {
  const dirs = backupDirs(journal.stamp);
  for (const [i, entry] of journal.upgraded.entries()) {
    const manifest = path.join(dirs.manifests, `${entry.component}.yaml`);
    if (entry.manifestBackup !== manifest) return { path: ['upgraded', i, 'manifestBackup'], message: `expected ${manifest}` };
    const etcd = path.join(dirs.etcd, 'etcd');
    if (entry.etcdData && (entry.component !== 'etcd' || entry.etcdData.backup !== etcd)) {
      return { path: ['upgraded', i, 'etcdData', 'backup'], message: entry.component === 'etcd' ? `expected ${etcd}` : 'only etcd has a data backup' };
    }
  }
  return undefined;
}

/** An interrupted run to another version is finished (or given up) first: its backups are the way back. */
export function checkSameTarget(journal: ApplyJournal, target: string): void {
  if (journal.target === target) return;
  throw new UserError(
    `an "upgrade apply ${journal.target}" of this node was interrupted (journal ${APPLY_JOURNAL}, backups of ${journal.stamp}); ` +
      `finish it first with "bosun upgrade apply ${journal.target}", then upgrade to ${target}; or ${startOver}`,
    PRECONDITION,
  );
}

/** Records where this run stands, when it keeps a journal (whole `upgrade apply` runs do). */
export async function saveApplyJournal(ctx: UpgradeContext): Promise<void> {
  if (!ctx.run.journaled) return;
  const journal: ApplyJournal = {
    kind: 'UpgradeApplyJournal',
    target: await ctx.target(),
    stamp: ctx.run.stamp,
    ...(ctx.run.inFlight && { inFlight: ctx.run.inFlight }),
    upgraded: ctx.run.upgraded,
  };
  await ensureTempDir(ctx.host);
  await ctx.host.writeFileAtomic(APPLY_JOURNAL, `${JSON.stringify(journal, null, 2)}\n`, SECRET_MODE);
}

/** The run is over (done, or rolled back to a consistent node): nothing is left to resume. */
export async function clearApplyJournal(ctx: UpgradeContext): Promise<void> {
  if (ctx.run.journaled && (await ctx.host.stat(APPLY_JOURNAL))) await ctx.host.remove(APPLY_JOURNAL);
}

/** Takes over the interrupted run: its stamp (one set of backups), its components and the one it was changing. */
export function adoptJournal(run: UpgradeRun, journal: ApplyJournal): void {
  run.stamp = journal.stamp;
  run.upgraded = journal.upgraded;
  run.inFlight = journal.inFlight;
}
