/** How a roll stops as failed, and the cluster-wide steps of its kind that go before any node. */
import { UserError } from '../errors.js';
import { finishStep, startStep } from './journal/journal.js';
import type { RollEvents } from './progress.js';
import type { RollContext } from './kind.js';
import { PURPOSES } from './steps.js';

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Stops the roll as failed, journaled, with a message that says what to do next. */
export async function stopFailed(ctx: Pick<RollContext, 'store' | 'kind'>, message: string): Promise<never> {
  const j = ctx.store.journal;
  j.state = 'failed';
  j.message = message;
  await ctx.store.commit();
  const { command } = PURPOSES[ctx.kind.purpose];
  throw new UserError(`${message}\n"${command} --resume" continues the roll once fixed; "${command} --abort" ends it and uncordons what it cordoned`);
}

/** The kind's cluster-wide steps, each journaled, before any node; one that fails stops the roll. */
export async function runBefore(ctx: RollContext, events: RollEvents): Promise<void> {
  const j = ctx.store.journal;
  for (const step of j.before ?? []) {
    if (step.state === 'done') continue;
    const run = ctx.kind.before?.[step.name];
    if (!run) throw new UserError(`the roll's journal names a step "${step.name}" this bosun does not know`);
    startStep(step);
    await ctx.store.commit();
    const path = `before/${step.name}`;
    try {
      await events.unit(path, () => run({ cluster: ctx.cluster, target: j.target, path, events: ctx.events, signal: ctx.signal }));
    } catch (err) {
      finishStep(step, errorText(err));
      await stopFailed(ctx, `the roll stopped before any node: ${step.name} failed: ${errorText(err)}`);
    }
    finishStep(step);
    await ctx.store.commit();
  }
}
