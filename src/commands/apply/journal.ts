/**
 * The journal of a `bosun apply` run: which host it initialises the cluster on, and which hosts it has started
 * joining. Written before each of those steps starts, so a host the journal names may be half done and one it
 * does not name was not touched by a run. A run killed at any point leaves it behind; the next run reads it and
 * finishes those hosts (init's and join's phases are idempotent) instead of refusing them as foreign nodes.
 *
 * Where it lives follows what exists: until init has finished there is no cluster to hold it, so it is a file on
 * the first control-plane host's disk (next to `upgrade apply`'s journal, through the host's own door); from then
 * on, it is the ConfigMap kube-system/bosun-apply, which every control-plane host's admin.conf reaches. Tokens and
 * certificate keys are never in it: a resumed run makes its own.
 */
import path from 'node:path/posix';
import { z } from 'zod';
import type { Cluster, ObjectRef } from '../../cluster/cluster.js';
import { ClusterError } from '../../cluster/errors.js';
import { UserError } from '../../errors.js';
import { readText, type Host } from '../../host/host.js';
import { MANAGED_BY_LABEL } from '../../kube/labels.js';
import { configMap, type ConfigMap } from '../../kube/objects.js';
import { SECRET_MODE, TEMP_DIR } from '../../kube/paths.js';
import { ensureTempDir } from '../upgrade/backup.js';

/** The journal on the first control-plane host while the cluster is being initialised. */
export const LEADER_JOURNAL = path.join(TEMP_DIR, 'bosun-apply.json');
/** The journal in the cluster, once it exists. */
export const CLUSTER_JOURNAL = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'bosun-apply' } satisfies ObjectRef;
const KEY = 'journal.json';
const clusterJournalName = `ConfigMap ${CLUSTER_JOURNAL.namespace}/${CLUSTER_JOURNAL.name}`;

const JOURNAL = z.strictObject({
  kind: z.literal('ApplyJournal'),
  /** The control-plane host the cluster was initialised on (or is being). */
  leader: z.string().min(1),
  /** Init on the leader started and has not finished: only then is the journal on the leader's disk. */
  initializing: z.boolean(),
  /** Hosts whose join started and has not finished. */
  joining: z.array(z.string().min(1)),
});

export type ApplyJournal = z.infer<typeof JOURNAL>;

/** The journal in `text` read from `where`; anything else is refused, naming where and the field. */
export function parseApplyJournal(text: string, where: string): ApplyJournal {
  const startOver = `; it is bosun apply's journal of an interrupted run: remove it only if no run of this cluster file is unfinished`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UserError(`${where}: not JSON${startOver}`);
  }
  const parsed = JOURNAL.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UserError(`${where}: field ${issue.path.join('.') || '(top level)'}: ${issue.message}${startOver}`);
}

/** The journal of an init that did not finish, on the disk of whichever control-plane host it started on. */
export async function readLeaderJournal(controlPlanes: Array<{ name: string; node: Host }>): Promise<ApplyJournal | undefined> {
  const found = await Promise.all(
    controlPlanes.map(async ({ name, node }) => {
      const text = await readText(node, LEADER_JOURNAL);
      return text === undefined ? undefined : { name, journal: parseApplyJournal(text, `host ${name}: ${LEADER_JOURNAL}`) };
    }),
  );
  const journals = found.filter((f) => f !== undefined);
  if (journals.length > 1) {
    throw new UserError(
      `hosts ${journals.map((j) => j.name).join(', ')} each have ${LEADER_JOURNAL}: more than one cluster was being initialised; nothing was changed`,
    );
  }
  return journals[0]?.journal;
}

/** The journal in the cluster, if a run left one. */
export async function readClusterJournal(cluster: Cluster): Promise<ApplyJournal | undefined> {
  const text = (await cluster.get<ConfigMap>(CLUSTER_JOURNAL))?.data?.[KEY];
  return text === undefined ? undefined : parseApplyJournal(text, clusterJournalName);
}

/** Deletes the cluster's journal, if there is one. */
export async function deleteClusterJournal(cluster: Cluster): Promise<void> {
  try {
    await cluster.delete(CLUSTER_JOURNAL);
  } catch (err) {
    if (!(err instanceof ClusterError && err.code === 404)) throw err;
  }
}

/**
 * This run's journal: written before each step it names, one write at a time (parallel joins record theirs in
 * turn). `leader` is the first control-plane host's door; `cluster` reaches the cluster once it exists.
 */
export class JournalWriter {
  private readonly journal: ApplyJournal;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly leader: Host,
    private readonly cluster: () => Promise<Cluster>,
    leaderName: string,
  ) {
    this.journal = { kind: 'ApplyJournal', leader: leaderName, initializing: false, joining: [] };
  }

  /** Before init's first phase: on the leader's disk, as there is no cluster yet. */
  initStarted(): Promise<void> {
    this.journal.initializing = true;
    return this.write(async () => {
      await ensureTempDir(this.leader);
      await this.leader.writeFileAtomic(LEADER_JOURNAL, this.text(), SECRET_MODE);
    });
  }

  /** Init finished: the journal moves into the cluster (written there before the leader's copy goes). */
  initDone(): Promise<void> {
    this.journal.initializing = false;
    return this.write(async () => {
      await this.writeCluster();
      await this.leader.remove(LEADER_JOURNAL);
    });
  }

  joinStarted(host: string): Promise<void> {
    this.journal.joining = [...new Set([...this.journal.joining, host])];
    return this.write(() => this.writeCluster());
  }

  joinDone(host: string): Promise<void> {
    this.journal.joining = this.journal.joining.filter((h) => h !== host);
    return this.write(() => this.writeCluster());
  }

  /** Every step is done: nothing is left to resume. */
  finished(): Promise<void> {
    return this.write(async () => deleteClusterJournal(await this.cluster()));
  }

  private text(): string {
    return `${JSON.stringify(this.journal)}\n`;
  }

  private async writeCluster(): Promise<void> {
    const cluster = await this.cluster();
    await cluster.apply(configMap(CLUSTER_JOURNAL.namespace, CLUSTER_JOURNAL.name, { [KEY]: this.text() }, { labels: { [MANAGED_BY_LABEL]: 'bosun' } }), {
      force: true,
    });
  }

  /** Runs `step` after the writes before it; a failed write fails its caller, not the writes after it. */
  private write(step: () => Promise<void>): Promise<void> {
    const done = this.chain.then(step);
    this.chain = done.catch(() => undefined);
    return done;
  }
}
