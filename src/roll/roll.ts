/**
 * Runs a roll from its journal: the kind's cluster-wide steps, then batch after batch, each node cordon → drain →
 * node-side steps → Ready as the kind wants it → uncordon, every step journaled before and after it runs; a health
 * gate between batches. It can be stopped anywhere (kill -9) and resumed: done steps are skipped, the step that was
 * running runs again. A node whose node-side step or wait for Ready fails is rolled back when the kind can.
 */
import { setUnschedulable } from '../drain/executor/cordon.js';
import { Drainer } from '../drain/executor/evict.js';
import { Informer } from '../drain/executor/informer.js';
import { planDrain } from '../drain/planner/plan.js';
import type { Node, Pod, PodDisruptionBudget } from '../kube/workloads.js';
import { UserError } from '../errors.js';
import { finishStep, nodeDone, progress, startStep, type NodeRecord, type RollJournal } from './journal/journal.js';
import { prefixOf, type RollContext } from './kind.js';
import { CORDONED_BY_ANNOTATION, releaseAndAbort } from './abort.js';
import { waitHealthy } from './gate.js';
import { runNodeSideStep, type NodeStepContext } from './nodes.js';
import { batchPath, RollEvents, stepPath } from './progress.js';
import { isNodeSideStep, type StepName } from './steps.js';
import { rollBack, rollbackNote, retryRolledBack } from './rollback.js';
import { errorText, runBefore, stopFailed } from './stop.js';

class Roll {
  private readonly j: RollJournal;
  private readonly nodes: Informer<Node>;
  private readonly drainer: Drainer;
  private readonly events: RollEvents;
  private readonly prefix: string;
  private evicted = 0;
  /** The pods the last health gate listed: the next batch's preflight starts from them. */
  private gatePods?: Pod[];

  constructor(private readonly ctx: RollContext) {
    this.j = ctx.store.journal;
    this.prefix = prefixOf(ctx.kind);
    this.events = new RollEvents(ctx.events);
    this.nodes = new Informer<Node>(ctx.cluster, 'v1', 'Node');
    this.drainer = new Drainer(
      ctx.cluster,
      this.j.settings.drain,
      {
        out: (line) => {
          if (line.startsWith('pod/')) this.evicted++;
        },
        err: (line) => this.events.log(`${this.prefix} ${line}`),
      },
      ctx.evictionConcurrency,
    );
  }

  close(): void {
    this.nodes.close();
    this.drainer.close();
  }

  async run(): Promise<void> {
    const { j, ctx } = this;
    await this.nodes.synced;
    if (j.state !== 'running') {
      j.state = 'running';
      delete j.message;
      await ctx.store.commit();
    }
    await runBefore(ctx, this.events);
    for (const [index, batch] of j.batches.entries()) {
      if (batch.gate.state === 'done') continue;
      await ctx.store.sync();
      if (j.abortRequestedAt) return this.abort();
      const label = `batch ${index + 1}/${j.batches.length}`;
      if (!(await this.events.unit(batchPath(index), () => this.runBatch(index, label), label))) return this.abort();
      if (j.settings.pauseBetweenSeconds > 0 && index < j.batches.length - 1) {
        this.events.log(`${this.prefix} pausing ${j.settings.pauseBetweenSeconds}s before the next batch`);
        await ctx.store.pause(j.settings.pauseBetweenSeconds * 1000, ctx.signal);
        this.gatePods = undefined;
      }
    }
    j.state = 'done';
    j.message = ctx.kind.rollDone(Object.keys(j.nodes).length);
    await ctx.store.commit();
    this.events.log(`${this.prefix} done: ${progress(j)}; ${this.evicted} pod(s) evicted`);
  }

  /** A batch's nodes, then the health gate; false when an abort was asked for meanwhile (no gate then). */
  private async runBatch(index: number, label: string): Promise<boolean> {
    const { j, ctx } = this;
    const pending = j.batches[index].nodes.filter((name) => !nodeDone(j.nodes[name]));
    if (pending.length) {
      this.events.log(`${this.prefix} ${label}: ${pending.join(', ')}`, batchPath(index));
      await this.preflight(pending, label);
      // Every node of the batch is cordoned before any is drained, so no evicted pod lands on a batch mate.
      const cordoned = await Promise.allSettled(pending.map((name) => this.runNode(j.nodes[name], 'cordon')));
      const results = await Promise.allSettled(
        pending.map((name, i) => {
          const cordon = cordoned[i];
          return cordon.status === 'rejected' ? Promise.reject(cordon.reason) : this.runNode(j.nodes[name]);
        }),
      );
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [this.describeFailure(pending[i], r.reason)] : []));
      if (failed.length) return stopFailed(ctx, `the node roll stopped in ${label}:\n  ${failed.join('\n  ')}`);
    }
    if (j.abortRequestedAt) return false;
    await this.gate(index, label);
    return true;
  }

  /** A node whose drain did not finish stays cordoned, and one rolled back too: say so. */
  private describeFailure(name: string, err: unknown): string {
    const record = this.j.nodes[name];
    const step = record.steps.find((s) => s.state === 'failed');
    const cordoned = record.steps.find((s) => s.name === 'cordon')!.state === 'done';
    const stays = cordoned && step?.name !== 'uncordon' ? ' (the node stays cordoned)' : '';
    return `${name}: ${step?.name ?? 'step'} failed: ${errorText(err)}${rollbackNote(record)}${stays}`;
  }

  /**
   * Before cordoning anything of a batch: what its drains would refuse (kubectl's refusals, pods under several
   * budgets, budgets that never allow an eviction) stops the roll with nothing changed; capacity is a warning.
   */
  private async preflight(pending: string[], label: string): Promise<void> {
    const fresh = pending.filter((name) => this.j.nodes[name].steps[0].state === 'pending');
    if (!fresh.length) return;
    const { cluster } = this.ctx;
    const listed = this.j.settings.drain.podSelector ? undefined : this.gatePods;
    this.gatePods = undefined;
    const [pods, pdbs, daemonSets] = await Promise.all([
      listed ?? cluster.list<Pod>('v1', 'Pod', { labelSelector: this.j.settings.drain.podSelector }),
      this.j.settings.drain.disableEviction ? Promise.resolve([]) : cluster.list<PodDisruptionBudget>('policy/v1', 'PodDisruptionBudget'),
      cluster.list('apps/v1', 'DaemonSet'),
    ]);
    const plan = planDrain({
      nodes: fresh,
      pods,
      pdbs,
      daemonSets: new Set(daemonSets.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)),
      clusterNodes: this.nodes.values(),
      options: this.j.settings.drain,
      now: Date.now(),
    });
    if (!plan.capacity.fits) this.events.log(`${this.prefix} warning: ${label}: ${plan.capacity.summary}`);
    if (plan.blockers.length) {
      await stopFailed(
        this.ctx,
        `the node roll stopped before ${label} (nothing of it was cordoned): its drains cannot finish:\n  ${plan.blockers.join('\n  ')}`,
      );
    }
  }

  /** Runs the node's steps that are not done, in order (up to `last`, when given). */
  private async runNode(record: NodeRecord, last?: StepName): Promise<void> {
    if (record.rollback && last === undefined) await retryRolledBack(this.ctx, record, () => this.nodeContext(record, 'rollback'));
    for (const step of record.steps) {
      if (step.state === 'done') {
        if (step.name === last) return;
        continue;
      }
      if (step.name === 'cordon' && record.cordonedByRoll === undefined) {
        const node = this.node(record.name);
        record.cordonedByRoll = !node.spec?.unschedulable;
      }
      startStep(step);
      await this.ctx.store.commit();
      try {
        await this.events.unit(stepPath(record.name, step.name), () => this.runStep(step.name, record));
      } catch (err) {
        finishStep(step, errorText(err));
        await this.ctx.store.commit();
        if (isNodeSideStep(step.name) || step.name === 'wait-ready') await rollBack(this.ctx, record, step.name, () => this.nodeContext(record, 'rollback'));
        throw err;
      }
      finishStep(step);
      await this.ctx.store.commit();
      if (step.name === last) return;
    }
    this.events.log(`${this.prefix} ${record.name}: ${this.ctx.kind.nodeDone}`, `node/${record.name}`);
  }

  private node(name: string): Node {
    const node = this.nodes.get(undefined, name);
    if (!node) throw new UserError(`node ${name} no longer exists`);
    return node;
  }

  private async runStep(step: StepName, record: NodeRecord): Promise<void> {
    const { ctx, j } = this;
    const name = record.name;
    const path = stepPath(name, step);
    if (step === 'cordon' || step === 'uncordon') {
      const cordon = step === 'cordon';
      if (!record.cordonedByRoll) {
        if (cordon) this.events.log(`${this.prefix} ${name}: was cordoned before the roll; it stays cordoned afterwards`, path);
        return;
      }
      await setUnschedulable(ctx.cluster, this.node(name), cordon, { [CORDONED_BY_ANNOTATION]: cordon ? j.id : null });
      return;
    }
    if (step === 'drain') {
      await this.drainer.drain(name, ctx.signal);
      return this.events.log(`${this.prefix} ${name}: drained`, path);
    }
    if (step === 'wait-ready') {
      await this.events.wait(path, `node ${name} ${ctx.kind.ready.what}`, () => this.waitReady(name));
      return ctx.kind.confirm?.(this.nodeContext(record, step));
    }
    if (isNodeSideStep(step)) await runNodeSideStep(ctx.kind.work, step, this.nodeContext(record, step));
  }

  /** What a node-side step, the kind's check after Ready or its rollback is given. */
  private nodeContext(record: NodeRecord, step: string): NodeStepContext {
    const { ctx, j } = this;
    return {
      node: ctx.reach(record),
      target: j.target,
      from: record.from,
      cluster: ctx.cluster,
      path: stepPath(record.name, step),
      events: ctx.events,
      signal: ctx.signal,
    };
  }

  private async waitReady(name: string): Promise<void> {
    const seconds = this.j.settings.healthTimeoutSeconds;
    const { ready } = this.ctx.kind;
    const back = () => {
      const node = this.nodes.get(undefined, name);
      return node !== undefined && ready.test(node);
    };
    try {
      await this.nodes.until(back, AbortSignal.any([this.ctx.signal, AbortSignal.timeout(seconds * 1000)]));
    } catch (err) {
      if (this.ctx.signal.aborted) throw err;
      throw new Error(`node ${name} did not report ${ready.what} within ${seconds}s (${ready.reports(this.nodes.get(undefined, name))})`, { cause: err });
    }
  }

  private async gate(index: number, label: string): Promise<void> {
    const { ctx, j } = this;
    const gate = j.batches[index].gate;
    startStep(gate);
    await ctx.store.commit();
    const path = `${batchPath(index)}/health-gate`;
    try {
      this.gatePods = await this.events.wait(path, 'every node Ready and no new failing pod', () =>
        waitHealthy(
          ctx.cluster,
          this.nodes,
          j.baseline,
          j.settings.healthTimeoutSeconds * 1000,
          (line) => this.events.log(`${this.prefix} ${line}`, path),
          ctx.signal,
        ),
      );
    } catch (err) {
      finishStep(gate, errorText(err));
      return stopFailed(ctx, `the health gate after ${label} failed: ${errorText(err)}`);
    }
    finishStep(gate);
    await ctx.store.commit();
    this.events.log(`${this.prefix} ${label} done, cluster healthy: ${progress(j)}`, batchPath(index));
  }

  /** `--abort`: no new nodes; what the roll cordoned and did not release is uncordoned. */
  abort(): Promise<void> {
    return releaseAndAbort(this.ctx.cluster, this.ctx.store, this.nodes, this.events, this.prefix);
  }
}

/** Runs (or resumes) the journal's roll to its end, a failure, or an abort. */
export async function runRoll(ctx: RollContext): Promise<void> {
  const roll = new Roll(ctx);
  try {
    await roll.run();
  } finally {
    roll.close();
  }
}

/** Ends a roll nobody runs: uncordons what it cordoned and marks it aborted. */
export async function abortRoll(ctx: RollContext): Promise<void> {
  const roll = new Roll(ctx);
  try {
    await roll.abort();
  } finally {
    roll.close();
  }
}
