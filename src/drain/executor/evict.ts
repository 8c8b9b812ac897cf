/**
 * The drain executor: kubectl drain's semantics (filters, messages, the policy/v1 Eviction API, wait until each
 * pod is gone or replaced), made faster and clearer. It watches pods instead of polling each every second,
 * waits for a PodDisruptionBudget to allow a disruption instead of retrying every 5 s, honours Retry-After,
 * bounds the eviction requests in flight across every node it drains, and says per pod what it waits for.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { Cluster, EvictionAnswer } from '../../cluster/cluster.js';
import { budgetVerdict } from '../planner/budget.js';
import type { DrainOptions } from '../planner/filters.js';
import { planNode, type NodeDrainPlan } from '../planner/plan.js';
import { controllerOf, podName, type Pod } from '../../kube/workloads.js';
import { DisruptionBudgets } from './disruption-budgets.js';
import { Informer } from './informer.js';
import { DrainError, NodeRun, type DrainIO } from './node-run.js';

/** Eviction requests in flight at once, across every node being drained (kubectl has no cap). */
export const DEFAULT_EVICTION_CONCURRENCY = 32;
/** Waits after a 429 without Retry-After (API priority and fairness) or a namespace being deleted. */
const RETRY_MS = 1_000;

const podRef = (pod: Pod) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace: pod.metadata.namespace,
  name: pod.metadata.name,
});
const hasCause = (answer: EvictionAnswer, reason: string) => answer.causes.some((c) => c.reason === reason);

/**
 * Drains nodes with one PodDisruptionBudget informer and one eviction limit for all of them, so the nodes of a
 * batch share the request budget. `close()` ends its watches.
 */
export class Drainer {
  private readonly budgets: DisruptionBudgets;
  private readonly limit: ReturnType<typeof pLimit>;
  private daemonSets?: Promise<Set<string>>;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: DrainOptions,
    private readonly io: DrainIO,
    concurrency = DEFAULT_EVICTION_CONCURRENCY,
  ) {
    this.budgets = new DisruptionBudgets(cluster);
    this.limit = pLimit(concurrency);
  }

  close(): void {
    this.budgets.close();
  }

  /** What draining `node` would do, from one list of its pods; changes nothing. */
  async inspect(node: string): Promise<NodeDrainPlan> {
    const pods = await this.cluster.list<Pod>('v1', 'Pod', this.podListOptions(node));
    return planNode(node, pods, {
      daemonSets: await this.knownDaemonSets(pods),
      options: this.options,
      now: Date.now(),
    });
  }

  /**
   * Evicts (or deletes) every pod the filters allow and waits until each is gone. Throws DrainError when the
   * filters refuse or a pod could not be removed; the caller leaves the node cordoned then.
   */
  async drain(node: string, signal?: AbortSignal): Promise<void> {
    const pods = new Informer<Pod>(this.cluster, 'v1', 'Pod', this.podListOptions(node));
    const run = new NodeRun(node, pods, this.io, this.options.timeoutSeconds, signal);
    const stopReports = run.startReports();
    try {
      await Promise.all([pods.synced, this.options.disableEviction ? undefined : this.budgets.synced]);
      const plan = planNode(node, pods.values(), {
        daemonSets: await this.knownDaemonSets(pods.values()),
        options: this.options,
        now: Date.now(),
      });
      if (plan.errors.length) throw new DrainError(node, plan.errors, true);
      if (plan.warnings) this.io.err(`Warning: ${plan.warnings}`);
      // Pods under a budget first: their evictions come in rounds, each waiting for replacements, so they are
      // the drain's critical path; the others can go while those wait.
      const budgets = this.budgets.values();
      const underBudget = (pod: Pod) => (!this.options.disableEviction && budgetVerdict(pod, budgets).kind === 'budget' ? 0 : 1);
      const doomed = plan.decisions
        .filter((d) => d.delete)
        .map((d) => d.pod)
        .sort((a, b) => underBudget(a) - underBudget(b));
      for (const pod of doomed) run.wait(pod, { kind: 'queued' });
      const results = await Promise.allSettled(doomed.map((pod) => this.remove(pod, run)));
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
      if (errors.length) {
        const pending = run.summary();
        if (pending) this.io.err(`There are pending pods in node "${node}" when an error occurred: ${pending}`);
        throw new DrainError(node, errors, false);
      }
    } finally {
      stopReports();
      pods.close();
    }
  }

  private podListOptions(node: string) {
    return { fieldSelector: `spec.nodeName=${node}`, labelSelector: this.options.podSelector };
  }

  /** The DaemonSets the pods name that exist: listed once, then looked up for any not seen before. */
  private async knownDaemonSets(pods: Pod[]): Promise<Set<string>> {
    this.daemonSets ??= this.cluster.list('apps/v1', 'DaemonSet').then((all) => new Set(all.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)));
    const known = await this.daemonSets;
    const unseen = new Map<string, { namespace: string; name: string }>();
    for (const pod of pods) {
      const owner = controllerOf(pod);
      const key = `${pod.metadata.namespace}/${owner?.name}`;
      if (owner?.kind === 'DaemonSet' && !known.has(key)) unseen.set(key, { namespace: pod.metadata.namespace, name: owner.name });
    }
    for (const [key, ds] of unseen) {
      if (await this.cluster.get({ apiVersion: 'apps/v1', kind: 'DaemonSet', ...ds })) known.add(key);
    }
    return known;
  }

  /** Evicts (or deletes) one pod, then waits until it is gone or replaced by a pod of another uid. */
  private async remove(pod: Pod, run: NodeRun): Promise<void> {
    const { name, namespace } = pod.metadata;
    try {
      const outcome = this.options.disableEviction ? await this.deleteOnce(pod, run) : await this.evictUntilAccepted(pod, run);
      if (outcome === 'accepted') {
        run.wait(pod, { kind: 'terminating', detail: 'terminating' });
        await this.waitGone(pod, run);
        this.io.out(`pod/${name} ${this.options.disableEviction ? 'deleted' : 'evicted'}`);
      }
      run.done(pod);
    } catch (err) {
      const reason = ((run.signal.aborted ? run.signal.reason : err) as Error).message;
      const waiting = run.waits.get(podName(pod))?.kind === 'terminating';
      throw new Error(
        waiting
          ? `error when waiting for pod "${name}" in namespace "${namespace}" to terminate: ${reason}`
          : `error when evicting pods/"${name}" -n "${namespace}": ${reason}`,
        { cause: err },
      );
    }
  }

  private async deleteOnce(pod: Pod, run: NodeRun): Promise<'accepted'> {
    run.wait(pod, { kind: 'evicting' });
    const grace = this.options.gracePeriodSeconds >= 0 ? this.options.gracePeriodSeconds : undefined;
    await this.limit(() => this.cluster.delete(podRef(pod), { gracePeriodSeconds: grace, uid: pod.metadata.uid }));
    return 'accepted';
  }

  /**
   * Posts the Eviction until the API accepts it ('accepted') or says the pod is gone ('gone'). Waits on a
   * budget are spent watching it, not retrying: a pod goes once the budget shows a disruption to spare.
   */
  private async evictUntilAccepted(pod: Pod, run: NodeRun): Promise<'accepted' | 'gone'> {
    const grace = this.options.gracePeriodSeconds >= 0 ? this.options.gracePeriodSeconds : undefined;
    let announced = false;
    // An eviction names the pod, not its uid: a same-name successor (a StatefulSet's) must not be evicted instead.
    const current = () => {
      const seen = run.pods.get(pod.metadata.namespace, pod.metadata.name);
      return seen?.metadata.uid === pod.metadata.uid ? seen : undefined;
    };
    for (;;) {
      run.signal.throwIfAborted();
      const seen = current();
      if (!seen) return 'gone';
      const verdict = seen.metadata.deletionTimestamp ? { kind: 'free' as const } : budgetVerdict(seen, this.budgets.values());
      if (verdict.kind === 'budget') {
        await this.budgets.take(pod, verdict.pdb, run);
        if (!current()) return 'gone';
      }
      run.wait(pod, { kind: 'evicting' });
      if (!announced) this.io.out(`evicting pod ${podName(pod)}`);
      announced = true;
      const answer = await this.limit(() => this.cluster.evict(podRef(pod), { gracePeriodSeconds: grace }));
      if (answer.code < 300) return 'accepted';
      if (answer.code === 404) return 'gone';
      if (answer.code === 429 && hasCause(answer, 'DisruptionBudget') && verdict.kind === 'budget') {
        this.budgets.spend(verdict.pdb);
        continue;
      }
      if (answer.code === 429 || (answer.code === 403 && hasCause(answer, 'NamespaceTerminating'))) {
        if (answer.code === 403 && seen.metadata.deletionTimestamp) return 'accepted';
        const seconds = answer.retryAfterSeconds ?? RETRY_MS / 1000;
        const why = [answer.message || answer.reason, ...answer.causes.map((c) => c.message).filter(Boolean)].join(' ');
        run.wait(pod, { kind: 'retry', detail: `${why} (retrying after ${seconds}s)` });
        await sleep(seconds * 1000, undefined, { signal: run.signal });
        continue;
      }
      throw new Error(answer.message || `${answer.reason} (${answer.code})`);
    }
  }

  /** Resolves when the pod is gone from the node (deleted, or replaced by another uid) or may be skipped. */
  private async waitGone(pod: Pod, run: NodeRun): Promise<void> {
    const gone = () => {
      const current = run.pods.get(pod.metadata.namespace, pod.metadata.name);
      return !current || current.metadata.uid !== pod.metadata.uid;
    };
    const skipAfter = this.options.skipWaitForDeleteTimeoutSeconds;
    if (skipAfter <= 0) return void (await run.pods.until(gone, run.signal));
    const deleting = await run.pods.until(
      () => (gone() ? 'gone' : run.pods.get(pod.metadata.namespace, pod.metadata.name)?.metadata.deletionTimestamp),
      run.signal,
    );
    if (deleting === 'gone') return;
    const remaining = Date.parse(deleting) + (skipAfter + 1) * 1000 - Date.now();
    const skip = AbortSignal.any([run.signal, AbortSignal.timeout(Math.max(0, remaining))]);
    try {
      await run.pods.until(gone, skip);
    } catch (err) {
      if (run.signal.aborted || !skip.aborted) throw err;
      this.io.out(`pod "${pod.metadata.name}" has DeletionTimestamp older than ${skipAfter} seconds, skipping`);
    }
  }
}
