/**
 * Per-node rollback: when a node-side step or the wait for Ready fails on a node and the roll's kind can roll back,
 * the node is put back as it was before the roll (the kind's rollback: its backed-up files, its old services),
 * journaled on the node as `rolled-back` or `rollback-failed`; it stays cordoned and the roll stops. `--resume`
 * runs a failed rollback again, then retries the node from its first node-side step.
 */
import { now, type NodeRecord } from './journal/journal.js';
import type { RollContext } from './kind.js';
import type { NodeStepContext } from './nodes.js';
import { prefixOf } from './kind.js';
import { RollEvents } from './progress.js';
import { isNodeSideStep, type StepName } from './steps.js';

import { errorText } from './stop.js';

/** Runs the kind's rollback after `failed` failed on the node (not when the roll lost its lock: it just stops). */
export async function rollBack(ctx: RollContext, record: NodeRecord, failed: StepName, node: () => NodeStepContext): Promise<void> {
  const rollback = ctx.kind.rollback?.[record.os];
  if (!rollback || ctx.signal.aborted) return;
  const events = new RollEvents(ctx.events);
  const prefix = prefixOf(ctx.kind);
  try {
    const step = node();
    await events.unit(step.path, () => rollback(step));
    record.rollback = { state: 'rolled-back', step: failed, at: now() };
    events.log(`${prefix} ${record.name}: rolled back after ${failed} failed; the node stays cordoned`, step.path);
  } catch (err) {
    record.rollback = { state: 'rollback-failed', step: failed, at: now(), error: errorText(err) };
    events.log(`${prefix} ${record.name}: the rollback after ${failed} failed: ${errorText(err)}`);
  }
  await ctx.store.commit();
}

/**
 * A node rolled back by an earlier run: its rollback again if that failed (an error stops the node again), then
 * its node-side steps and wait for Ready back to pending, so the node is retried from its first node-side step.
 */
export async function retryRolledBack(ctx: RollContext, record: NodeRecord, node: () => NodeStepContext): Promise<void> {
  const previous = record.rollback;
  if (!previous) return;
  const rollback = ctx.kind.rollback?.[record.os];
  if (previous.state === 'rollback-failed' && rollback) {
    const step = node();
    await new RollEvents(ctx.events).unit(step.path, () => rollback(step));
  }
  for (const step of record.steps) {
    if (!isNodeSideStep(step.name) && step.name !== 'wait-ready') continue;
    step.state = 'pending';
    delete step.startedAt;
    delete step.finishedAt;
    delete step.error;
  }
  delete record.rollback;
  await ctx.store.commit();
  new RollEvents(ctx.events).log(`${prefixOf(ctx.kind)} ${record.name}: retried from its first node-side step (${previous.step} failed before)`);
}

/** What the failure message adds about a node's rollback. */
export function rollbackNote(record: NodeRecord): string {
  if (!record.rollback) return '';
  return record.rollback.state === 'rolled-back'
    ? '; rolled back: its files and services are as before the roll'
    : `; its rollback failed too: ${record.rollback.error}`;
}
