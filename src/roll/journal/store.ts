import { createHash } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../../cluster/cluster.js';
import { ClusterError, isTransient } from '../../cluster/errors.js';
import { configMap, type ConfigMap } from '../../kube/objects.js';
import { UserError } from '../../errors.js';
import { readText, type Host } from '../../host/host.js';
import { absorbRemote, isActive, now, purposeOf, unfinishedMessage, type RollJournal } from './journal.js';
import { MANAGED_BY_LABEL } from '../../kube/labels.js';
import type { RollPurpose } from '../steps.js';

export const JOURNAL_NAMESPACE = 'kube-system';
export const JOURNAL_NAME = 'bosun-node-roll';
const KEY = 'journal.json';
const REF = { apiVersion: 'v1', kind: 'ConfigMap', namespace: JOURNAL_NAMESPACE, name: JOURNAL_NAME };
/** How long a journal write keeps trying while the API server does not answer (a control plane restarting). */
const WRITE_PATIENCE_MS = 120_000;

/** The local copy's file: one per cluster (named by its kubeconfig) under the journal directory. */
export function localJournalFile(dir: string, kubeconfig: string): string {
  return path.join(dir, `node-roll-${createHash('sha256').update(kubeconfig).digest('hex').slice(0, 12)}.json`);
}

function parseJournal(text: string | undefined, where: string): RollJournal | undefined {
  if (text === undefined) return undefined;
  try {
    const j = JSON.parse(text) as RollJournal;
    if (j?.kind === 'NodeRoll' && typeof j.revision === 'number') return j;
  } catch {
    // reported below
  }
  throw new UserError(`${where}: not a bosun node roll journal (remove it to start over)`);
}

const isConflict = (err: unknown) => err instanceof ClusterError && err.code === 409;

/**
 * The journal's two copies: a ConfigMap in the cluster (written with optimistic concurrency) and a file on the
 * operator's machine, through its Host (written first, so a roll whose cluster write failed can still be resumed
 * from there). Writes of steps that finish together are grouped into one.
 */
export class JournalStore {
  journal!: RollJournal;
  private resourceVersion?: string;
  private written = -1;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly cluster: Cluster,
    /** The operator's machine (a Host rooted at `/`), where the local copy lives. */
    private readonly machine: Host,
    readonly localFile: string,
  ) {}

  /** The newer of the two copies (the cluster's when they describe different rolls), or undefined. */
  async load(): Promise<RollJournal | undefined> {
    const remote = await this.readRemote();
    const local = parseJournal(await readText(this.machine, this.localFile), this.localFile);
    const chosen = remote && (!local || local.id !== remote.id || remote.revision >= local.revision) ? remote : local;
    if (chosen) this.journal = chosen;
    return chosen;
  }

  /** Starts a new roll's journal; refuses while another roll is unfinished. */
  async create(journal: RollJournal): Promise<void> {
    this.journal = journal;
    const existing = await this.readRemote();
    if (existing && isActive(existing)) {
      throw new UserError(unfinishedMessage(existing, purposeOf(journal)));
    }
    await this.writeLocal(JSON.stringify(journal));
    if (!existing) {
      try {
        const created = await this.cluster.create(
          configMap(
            JOURNAL_NAMESPACE,
            JOURNAL_NAME,
            { [KEY]: JSON.stringify(journal) },
            {
              labels: { [MANAGED_BY_LABEL]: 'bosun' },
            },
          ),
        );
        this.resourceVersion = created.metadata.resourceVersion;
        this.written = journal.revision;
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
        // Created meanwhile: by a roll that did not hold the lock, so it is finished or nobody runs it.
        const raced = await this.readRemote();
        if (raced && isActive(raced)) throw new UserError(`a node roll (${raced.id}) was started meanwhile: "bosun upgrade nodes --resume" continues it`);
      }
    }
    await this.commit();
  }

  /**
   * Makes the journal as it is now durable, locally then in the cluster. Calls made while a write is under way
   * share the next write. A conflict means another process wrote: its abort request is taken over (or, if it
   * now runs the roll, this process stops).
   */
  commit(): Promise<void> {
    this.journal.revision++;
    this.journal.updatedAt = now();
    const revision = this.journal.revision;
    const write = this.chain.then(() => (this.written >= revision ? undefined : this.write()));
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Makes `holder` the roll's runner in both copies (after it took the lock), whoever ran it before. */
  async claim(holder: string): Promise<void> {
    for (;;) {
      const remote = await this.readRemote();
      if (remote?.holder === holder) return;
      if (remote) absorbRemote(this.journal, remote);
      this.journal.holder = holder;
      this.journal.revision++;
      const text = JSON.stringify(this.journal);
      await this.writeLocal(text);
      try {
        await this.writeRemote(text);
        this.written = this.journal.revision;
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  /** Reads the cluster's copy between writes: takes over an abort request; stops if another process runs the roll. */
  async sync(): Promise<void> {
    await this.chain;
    const remote = await this.readRemote();
    if (remote && remote.holder !== this.journal.holder) {
      throw new UserError(`the node roll's journal was taken over by ${remote.holder ?? 'another process'}: stopping`);
    }
    if (remote) absorbRemote(this.journal, remote);
  }

  /** Waits `ms` (a pause between batches), or less when an abort is requested meanwhile. */
  async pause(ms: number, signal: AbortSignal): Promise<void> {
    const requested = new AbortController();
    const until = AbortSignal.any([signal, requested.signal, AbortSignal.timeout(ms)]);
    await this.cluster.watch<ConfigMap>(
      'v1',
      'ConfigMap',
      { namespace: JOURNAL_NAMESPACE, fieldSelector: `metadata.name=${JOURNAL_NAME}` },
      (e) => {
        for (const cm of e.type === 'LISTED' ? e.items : e.type === 'DELETED' ? [] : [e.object]) {
          if (parseJournal(cm.data?.[KEY], `ConfigMap ${JOURNAL_NAMESPACE}/${JOURNAL_NAME}`)?.abortRequestedAt) requested.abort();
        }
      },
      until,
    );
    signal.throwIfAborted();
  }

  /** `--abort` from any process: sets the request on the cluster's copy, whoever runs the roll. */
  async requestAbort(purpose: RollPurpose = 'upgrade'): Promise<RollJournal> {
    for (;;) {
      const remote = await this.readRemote();
      if (!remote || !isActive(remote)) throw new UserError('no node roll is in progress');
      if (purposeOf(remote) !== purpose) throw new UserError(unfinishedMessage(remote, purpose));
      remote.abortRequestedAt ??= now();
      remote.revision++;
      try {
        await this.writeRemote(JSON.stringify(remote));
        this.journal = remote;
        return remote;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  private async write(): Promise<void> {
    const deadline = Date.now() + WRITE_PATIENCE_MS;
    for (;;) {
      const revision = this.journal.revision;
      const text = JSON.stringify(this.journal);
      await this.writeLocal(text);
      try {
        await this.writeRemote(text);
        this.written = revision;
        return;
      } catch (err) {
        if (isConflict(err)) {
          const remote = await this.readRemote();
          if (remote && remote.holder !== this.journal.holder) {
            throw new UserError(`the node roll's journal was taken over by ${remote.holder ?? 'another process'}: stopping`);
          }
          if (remote) absorbRemote(this.journal, remote);
          this.journal.revision++;
          continue;
        }
        if (!isTransient(err) || Date.now() > deadline) throw err;
        await sleep(1000);
      }
    }
  }

  private async writeRemote(text: string): Promise<void> {
    const written = await this.cluster.patch<ConfigMap>(REF, { metadata: { resourceVersion: this.resourceVersion }, data: { [KEY]: text } });
    this.resourceVersion = written.metadata.resourceVersion;
  }

  private async readRemote(): Promise<RollJournal | undefined> {
    const cm = await this.cluster.get<ConfigMap>(REF);
    this.resourceVersion = cm?.metadata.resourceVersion;
    return parseJournal(cm?.data?.[KEY], `ConfigMap ${JOURNAL_NAMESPACE}/${JOURNAL_NAME}`);
  }

  private async writeLocal(text: string): Promise<void> {
    await this.machine.writeFileAtomic(this.localFile, `${text}\n`, 0o644);
  }
}
