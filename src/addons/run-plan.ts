/**
 * The addon engine: carries out an AddonPlan's actions in order through the cluster door it is given (server-side
 * apply, waits by watching, deletes) and records what bosun applied. `bosun init`, `bosun addon` and `bosun apply`
 * all run plans here; a dry run is the same run on the recording door.
 */
import type { Cluster, KubeObject, ObjectRef } from '../cluster/cluster.js';
import { ClusterError, describeRef, TIMEOUT } from '../cluster/errors.js';
import { UserError } from '../errors.js';
import type { AddonAction, AddonDefinition, AddonInput, AddonPlan } from './addon.js';
import { nextRecord, readAddonRecords, sameRef, writeAddonRecord, type AddonRecord } from './record.js';

/** Where the engine's progress lines go. */
export interface AddonIO {
  log(line: string): void;
}

export interface RunPlanOptions {
  cluster: Cluster;
  io: AddonIO;
  /** The run's time, written into the record. */
  now: Date;
}

export interface PlanResult {
  applied: ObjectRef[];
  deleted: ObjectRef[];
  record: 'written' | 'dropped' | 'unchanged';
}

const refOf = (obj: KubeObject): ObjectRef => ({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name });

/** One action as one line, for the printed plan. */
export function describeAction(action: AddonAction): string {
  if (action.action === 'apply') return `apply ${describeRef(refOf(action.object))}`;
  if (action.action === 'wait-rollout' || action.action === 'wait-established')
    return `${action.action} ${describeRef(action.ref)} (up to ${action.timeoutSeconds}s)`;
  return `delete ${describeRef(action.ref)} (${action.reason})`;
}

/** The plan as the operator reads it before anything happens: every action one line, then notes and warnings. */
export function planLines(plan: AddonPlan): string[] {
  return [
    `Addon ${plan.addon} ${plan.version}: ${plan.actions.length} action(s)`,
    ...plan.actions.map((a, i) => `  ${i + 1}. ${describeAction(a)}`),
    ...plan.notes.map((n) => `  note: ${n}`),
    ...plan.warnings.map((w) => `  warning: ${w}`),
  ];
}

interface RolloutStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  desiredNumberScheduled?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
}

interface Workload extends KubeObject {
  spec?: { replicas?: number };
  status?: RolloutStatus;
}

/**
 * Whether a Deployment or DaemonSet has rolled out (as `kubectl rollout status` judges it: the controller saw the
 * latest spec, every replica is updated and available, no old one is left), else what it shows.
 */
export function rolloutState(obj: Workload | undefined): true | string {
  if (!obj) return 'not there';
  const s = obj.status ?? {};
  if ((s.observedGeneration ?? 0) < ((obj.metadata.generation as number | undefined) ?? 0)) return 'its controller has not seen the latest spec yet';
  const daemon = obj.kind === 'DaemonSet';
  const desired = daemon ? (s.desiredNumberScheduled ?? 0) : (obj.spec?.replicas ?? 1);
  const updated = daemon ? (s.updatedNumberScheduled ?? 0) : (s.updatedReplicas ?? 0);
  const available = daemon ? (s.numberAvailable ?? 0) : (s.availableReplicas ?? 0);
  const total = daemon ? desired : (s.replicas ?? 0);
  if (updated === desired && available === desired && total === desired) return true;
  return `${updated} of ${desired} updated, ${available} available${total > desired ? `, ${total - desired} old still there` : ''}`;
}

interface CustomResourceDefinition extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string }> };
}

/** Whether a CRD serves its kinds yet: until then the API answers 404 for them. */
export function establishedState(crd: CustomResourceDefinition | undefined): true | string {
  if (!crd) return 'not there';
  return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : 'not Established yet';
}

/** Watches the object until `state` says it is there; a timeout names what was last seen. */
async function waitUntil<T extends KubeObject>(
  cluster: Cluster,
  ref: ObjectRef,
  state: (obj: T | undefined) => true | string,
  what: string,
  timeoutSeconds: number,
) {
  let seen = 'nothing seen yet';
  const done = (obj: T | undefined) => {
    const now = state(obj);
    if (now !== true) seen = now;
    return now === true;
  };
  try {
    await cluster.watchUntil<T>(ref, done, timeoutSeconds * 1000);
  } catch (err) {
    if (!(err instanceof ClusterError) || err.reason !== TIMEOUT) throw err;
    throw new UserError({ what: `did not ${what} within ${timeoutSeconds}s: ${seen}`, where: { object: describeRef(ref) }, cause: err });
  }
}

async function runAction(action: AddonAction, cluster: Cluster, owned: ObjectRef[], io: AddonIO, addon: string): Promise<void> {
  if (action.action === 'apply') {
    const ref = refOf(action.object);
    // Force only over what bosun applied before: another manager's fields on an object bosun never owned are a conflict to report.
    await cluster.apply(action.object, { force: owned.some((o) => sameRef(o, ref)) });
    io.log(`[addons] ${addon}: applied ${describeRef(ref)}`);
  } else if (action.action === 'wait-rollout') {
    io.log(`[addons] ${addon}: waiting for ${describeRef(action.ref)} to roll out (up to ${action.timeoutSeconds}s)`);
    await waitUntil(cluster, action.ref, rolloutState, 'roll out', action.timeoutSeconds);
    io.log(`[addons] ${addon}: ${describeRef(action.ref)} rolled out`);
  } else if (action.action === 'wait-established') {
    await waitUntil(cluster, action.ref, establishedState, 'become Established', action.timeoutSeconds);
    io.log(`[addons] ${addon}: ${describeRef(action.ref)} Established`);
  } else {
    await cluster.delete(action.ref);
    io.log(`[addons] ${addon}: deleted ${describeRef(action.ref)} (${action.reason})`);
  }
}

/**
 * Runs the plan's actions in order, then records what it applied (see nextRecord): a second run of an unchanged plan
 * changes no object, since server-side apply of the same configuration is a no-op and an equal record is not rewritten.
 */
export async function runPlan(plan: AddonPlan, opts: RunPlanOptions): Promise<PlanResult> {
  const { cluster, io } = opts;
  const previous: AddonRecord | undefined = (await readAddonRecords(cluster)).get(plan.addon);
  const applied: ObjectRef[] = [];
  const deleted: ObjectRef[] = [];
  for (const action of plan.actions) {
    await runAction(action, cluster, previous?.objects ?? [], io, plan.addon);
    if (action.action === 'apply') applied.push(refOf(action.object));
    if (action.action === 'delete') deleted.push(action.ref);
  }
  const record = await writeAddonRecord(cluster, plan.addon, nextRecord(previous, plan.version, opts.now.toISOString(), applied, deleted));
  return { applied, deleted, record };
}

/** Cluster-wide kinds whose deletion takes what is inside with it: deleted after everything namespaced. */
const CONTAINERS = new Set(['Namespace', 'CustomResourceDefinition']);

/** `bosun addon remove`: what the record lists, newest first, Namespaces and CRDs last; the record key goes with the last object. */
export function removalPlan(addon: string, record: AddonRecord): AddonPlan {
  const reversed = [...record.objects].reverse();
  const ordered = [...reversed.filter((r) => !CONTAINERS.has(r.kind)), ...reversed.filter((r) => CONTAINERS.has(r.kind))];
  return {
    addon,
    version: record.version,
    actions: ordered.map((ref) => ({ action: 'delete', ref, reason: `bosun addon remove ${addon}` })),
    notes: [],
    warnings: [],
  };
}

/** Plans the addon, prints the plan (every action one line) and runs it: what `bosun addon install` and `bosun apply` do. */
export async function installAddon(addon: AddonDefinition, input: AddonInput, opts: RunPlanOptions): Promise<PlanResult & { plan: AddonPlan }> {
  const plan = await addon.plan(input);
  return { plan, ...(await printAndRunPlan(plan, opts)) };
}

export async function printAndRunPlan(plan: AddonPlan, opts: RunPlanOptions): Promise<PlanResult> {
  for (const line of planLines(plan)) opts.io.log(line);
  return runPlan(plan, opts);
}

/**
 * How `bosun init` and `bosun upgrade apply` run an essential addon: kubeadm's own lines only (the plan's notes and
 * warnings under the phase's prefix), and without rollout waits unless the plan needs them to be safe (a plan that
 * deletes something, such as kube-dns after CoreDNS rolled out, or a Corefile-backup roll); kubeadm waits for none.
 */
export async function runPlanQuietly(plan: AddonPlan, cluster: Cluster, log: (line: string) => void, prefix: string, now: Date): Promise<PlanResult> {
  for (const note of plan.notes) log(`${prefix} ${note}`);
  for (const warning of plan.warnings) log(`${prefix} WARNING: ${warning}`);
  const needsWaits = plan.actions.some((a) => a.action === 'delete') || plan.actions.filter((a) => a.action === 'wait-rollout').length > 1;
  const actions = needsWaits ? plan.actions : plan.actions.filter((a) => a.action !== 'wait-rollout');
  return runPlan({ ...plan, actions }, { cluster, io: { log: () => undefined }, now });
}
