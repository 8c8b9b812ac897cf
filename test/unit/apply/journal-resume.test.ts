import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Cluster, KubeObject, ObjectRef } from '../../../src/cluster/cluster.js';
import { ClusterError } from '../../../src/cluster/errors.js';
import { RUN_TOKEN_DESCRIPTION } from '../../../src/commands/apply/configs.js';
import {
  CLUSTER_JOURNAL,
  JournalWriter,
  LEADER_JOURNAL,
  parseApplyJournal,
  readClusterJournal,
  readLeaderJournal,
} from '../../../src/commands/apply/journal.js';
import { deleteRunTokens } from '../../../src/commands/apply/resume.js';
import { LocalHost } from '../../../src/host/local.js';
import { tokenSecret } from '../../../src/tokens/secret.js';

/** The objects a cluster holds, by namespace/kind/name: what the journal and the token sweep use of the door. */
class ObjectsCluster {
  readonly objects = new Map<string, KubeObject>();
  private key = (ref: ObjectRef) => `${ref.namespace ?? ''}/${ref.kind}/${ref.name}`;
  async apply<T extends KubeObject>(obj: T): Promise<T> {
    this.objects.set(this.key({ ...obj, name: obj.metadata.name, namespace: obj.metadata.namespace }), structuredClone(obj));
    return obj;
  }
  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    return this.objects.get(this.key(ref)) as T | undefined;
  }
  async delete(ref: ObjectRef): Promise<void> {
    if (!this.objects.delete(this.key(ref))) throw new ClusterError('delete', ref.name, 'NotFound', 'not found', 404);
  }
  async list<T extends KubeObject>(_apiVersion: string, kind: string, opts: { namespace?: string } = {}): Promise<T[]> {
    return [...this.objects.values()].filter((o) => o.kind === kind && o.metadata.namespace === opts.namespace) as T[];
  }
}

const roots: string[] = [];
async function tempHost(): Promise<LocalHost> {
  const root = await mkdtemp(path.join(tmpdir(), 'bosun-apply-journal-'));
  roots.push(root);
  return new LocalHost(root);
}
afterAll(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

describe("bosun apply's journal", () => {
  it("is on the leader's disk while init runs, then in the cluster; joins are added and removed; a finished run leaves none", async () => {
    const leader = await tempHost();
    const objects = new ObjectsCluster();
    const cluster = objects as unknown as Cluster;
    const writer = new JournalWriter(leader, async () => cluster, 'cp-1');

    await writer.initStarted();
    expect(await readLeaderJournal([{ name: 'cp-1', node: leader }])).toEqual({ kind: 'ApplyJournal', leader: 'cp-1', initializing: true, joining: [] });
    expect(await readClusterJournal(cluster)).toBeUndefined();

    await writer.initDone();
    expect(await leader.stat(LEADER_JOURNAL)).toBeUndefined();
    expect(await readClusterJournal(cluster)).toEqual({ kind: 'ApplyJournal', leader: 'cp-1', initializing: false, joining: [] });

    // Parallel joins record theirs one write at a time: none is lost.
    await Promise.all([writer.joinStarted('w-1'), writer.joinStarted('w-2'), writer.joinStarted('w-3')]);
    await writer.joinDone('w-2');
    expect((await readClusterJournal(cluster))?.joining).toEqual(['w-1', 'w-3']);

    await writer.finished();
    expect(await cluster.get(CLUSTER_JOURNAL)).toBeUndefined();
  });

  it('refuses a journal it cannot read back, naming where and the field; two hosts initialising are refused', async () => {
    expect(() => parseApplyJournal('{', 'host cp-1: /etc/kubernetes/tmp/bosun-apply.json')).toThrow(
      /host cp-1: \/etc\/kubernetes\/tmp\/bosun-apply\.json: not JSON/,
    );
    expect(() => parseApplyJournal('{"kind":"ApplyJournal","leader":"cp-1","initializing":true,"joining":[1]}', 'ConfigMap kube-system/bosun-apply')).toThrow(
      /ConfigMap kube-system\/bosun-apply: field joining\.0: /,
    );
    const [a, b] = [await tempHost(), await tempHost()];
    for (const host of [a, b]) await new JournalWriter(host, () => Promise.reject(new Error('no cluster yet')), 'x').initStarted();
    await expect(
      readLeaderJournal([
        { name: 'cp-1', node: a },
        { name: 'cp-2', node: b },
      ]),
    ).rejects.toThrow(/hosts cp-1, cp-2 each have \/etc\/kubernetes\/tmp\/bosun-apply\.json/);
  });

  it("deletes every apply run's bootstrap token (killed runs' too), and no other token", async () => {
    const objects = new ObjectsCluster();
    const expires = '2030-01-01T00:00:00Z';
    await objects.apply(tokenSecret({ token: 'aaaaaa.0123456789abcdef', description: RUN_TOKEN_DESCRIPTION }, expires));
    await objects.apply(tokenSecret({ token: 'bbbbbb.0123456789abcdef', description: RUN_TOKEN_DESCRIPTION }, expires));
    await objects.apply(tokenSecret({ token: 'cccccc.0123456789abcdef', description: 'the operator’s own' }, expires));
    expect((await deleteRunTokens(objects as unknown as Cluster)).sort()).toEqual(['aaaaaa', 'bbbbbb']);
    expect([...objects.objects.values()].map((o) => o.metadata.name)).toEqual(['bootstrap-token-cccccc']);
  });
});
