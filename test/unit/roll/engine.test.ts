import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAIN_OPTIONS } from '../../../src/drain/planner/filters.js';
import { LocalHost } from '../../../src/host/local.js';
import type { Host } from '../../../src/host/host.js';
import { isNodeReady, type Node } from '../../../src/kube/workloads.js';
import { newJournal, type RollJournal } from '../../../src/roll/journal/journal.js';
import { JournalStore } from '../../../src/roll/journal/store.js';
import { upgradeKind, type RollContext, type RollKind } from '../../../src/roll/kind.js';
import { planRoll } from '../../../src/roll/plan.js';
import { runRoll } from '../../../src/roll/roll.js';
import { MIGRATION_STEPS, NODE_SIDE_STEPS } from '../../../src/roll/steps.js';
import type { ProgressEvent } from '../../../src/workflow/events.js';
import { node } from '../drain/fixtures.js';
import { FakeCluster } from './fake-cluster.js';

const settings = { maxUnavailable: { count: 1 }, order: 'name' as const, pauseBetweenSeconds: 0, healthTimeoutSeconds: 5, drain: DEFAULT_DRAIN_OPTIONS };

/** A migration whose steps record what ran; `fail` makes one node's step throw. */
function world(fail?: { node: string; step: string }) {
  const calls: string[] = [];
  const cluster = new FakeCluster([node('w1'), node('w2')]);
  const work = Object.fromEntries(
    MIGRATION_STEPS['migrate-runtime'].map((step) => [
      step,
      async ({ node: n }: { node: { name: string } }) => {
        calls.push(`${n.name}:${step}`);
        if (fail && fail.node === n.name && fail.step === step) throw new Error('boom');
      },
    ]),
  );
  const kind: RollKind = {
    purpose: 'migrate-runtime',
    work,
    ready: { what: 'Ready', test: isNodeReady, reports: () => '' },
    rollback: { linux: async ({ node: n }) => void calls.push(`${n.name}:rollback`) },
    before: { prep: async () => void calls.push('prep') },
    nodeDone: 'moved',
    rollDone: (n) => `${n} moved`,
  };
  return { calls, cluster, kind };
}

async function start(cluster: FakeCluster, purpose: 'migrate-runtime' | 'upgrade' = 'migrate-runtime'): Promise<JournalStore> {
  const nodes = await cluster.list<Node>('v1', 'Node');
  const plan = planRoll({
    nodes,
    target: 'containerd',
    purpose,
    alreadyDone: () => undefined,
    maxUnavailable: { count: 1 },
    order: 'name',
    executorFor: () => 'local',
  });
  const journal = newJournal({ id: 'r1', plan, target: 'containerd', settings, baseline: { notReadyNodes: [], failingPods: [] }, purpose, before: ['prep'] });
  const store = new JournalStore(cluster.asCluster(), new LocalHost('/'), path.join(mkdtempSync(path.join(tmpdir(), 'bosun-roll-')), 'journal.json'));
  await store.create(journal);
  return store;
}

function context(cluster: FakeCluster, store: JournalStore, kind: RollKind, events: ProgressEvent[] = []): RollContext {
  return {
    cluster: cluster.asCluster(),
    store,
    reach: (record) => ({ name: record.name, via: 'local', host: {} as Host, kubelet: { install: 'none' } }),
    kind,
    events: (e) => void events.push(e),
    signal: new AbortController().signal,
  };
}

const unschedulable = async (cluster: FakeCluster, name: string) =>
  (await cluster.get<Node>({ apiVersion: 'v1', kind: 'Node', name }))?.spec?.unschedulable === true;

describe('roll engine, for every purpose', () => {
  it('runs the cluster-wide steps first, then each node, and names the purpose in its lines', async () => {
    const { calls, cluster, kind } = world();
    const store = await start(cluster);
    const events: ProgressEvent[] = [];
    await runRoll(context(cluster, store, kind, events));
    expect(calls[0]).toBe('prep');
    expect(calls.filter((c) => c.startsWith('w1:'))).toEqual(MIGRATION_STEPS['migrate-runtime'].map((s) => `w1:${s}`));
    expect(store.journal.state).toBe('done');
    expect(store.journal.before).toMatchObject([{ name: 'prep', state: 'done' }]);
    const lines = events.flatMap((e) => (e.type === 'log' ? [e.line] : []));
    expect(lines).toContain('[migrate/runtime] w2: moved');
    expect(lines.some((l) => l.includes('[upgrade/nodes]'))).toBe(false);
  });

  it('rolls back a node whose node-side step fails, leaves it cordoned, stops naming it, and retries it from its first node-side step on resume', async () => {
    const failing = world({ node: 'w2', step: 'containerd-start' });
    const store = await start(failing.cluster);
    await expect(runRoll(context(failing.cluster, store, failing.kind))).rejects.toThrow(
      /w2: containerd-start failed: boom; rolled back: its files and services are as before the roll \(the node stays cordoned\)\n"bosun migrate runtime --resume"/,
    );
    expect(failing.calls.slice(-2)).toEqual(['w2:containerd-start', 'w2:rollback']);
    expect(store.journal.nodes.w2.rollback).toMatchObject({ state: 'rolled-back', step: 'containerd-start' });
    expect(store.journal.nodes.w1.steps.every((s) => s.state === 'done')).toBe(true);
    expect(await unschedulable(failing.cluster, 'w2')).toBe(true);

    // Fixed: the resume retries w2 from its backup step; the cluster-wide step is not run again.
    const fixed = world();
    await runRoll(context(failing.cluster, store, fixed.kind));
    expect(fixed.calls).toEqual(MIGRATION_STEPS['migrate-runtime'].map((s) => `w2:${s}`));
    expect(store.journal.state).toBe('done');
    expect(store.journal.nodes.w2.rollback).toBeUndefined();
    expect(await unschedulable(failing.cluster, 'w2')).toBe(false);
  });

  it('journals a rollback that fails, and runs it again before retrying the node', async () => {
    const failing = world({ node: 'w1', step: 'containerd-config' });
    failing.kind.rollback = {
      linux: async () => {
        throw new Error('docker will not start');
      },
    };
    const store = await start(failing.cluster);
    await expect(runRoll(context(failing.cluster, store, failing.kind))).rejects.toThrow(
      /w1: containerd-config failed: boom; its rollback failed too: docker will not start/,
    );
    expect(store.journal.nodes.w1.rollback).toMatchObject({ state: 'rollback-failed', error: 'docker will not start' });
    const fixed = world();
    await runRoll(context(failing.cluster, store, fixed.kind));
    expect(fixed.calls[0]).toBe('w1:rollback');
    expect(fixed.calls[1]).toBe('w1:backup');
  });

  it("rolls back a failed node as its operating system's rollback says, and a node whose OS has none not at all", async () => {
    const calls: string[] = [];
    const cluster = new FakeCluster([node('l1'), node('w1', { os: 'windows' })]);
    const step = async ({ node: n }: { node: { name: string } }) => {
      calls.push(n.name);
      throw new Error('boom');
    };
    const work = Object.fromEntries([...NODE_SIDE_STEPS.linux, ...NODE_SIDE_STEPS.windows].map((name) => [name, step]));
    const kind = {
      ...upgradeKind('v1.37.1', work, { windows: async ({ node: n }) => void calls.push(`${n.name}:rollback`) }),
      before: { prep: async () => undefined },
    };
    const store = await start(cluster, 'upgrade');
    await expect(runRoll(context(cluster, store, kind))).rejects.toThrow(/l1: upgrade-node failed: boom \(the node stays cordoned\)/);
    expect(store.journal.nodes.l1.rollback).toBeUndefined();
    await expect(runRoll(context(cluster, store, kind))).rejects.toThrow(/l1: upgrade-node failed/);
    expect(calls).toEqual(['l1', 'l1']);
    store.journal.nodes.l1.steps.forEach((s) => (s.state = 'done'));
    store.journal.batches[0].gate.state = 'done';
    await expect(runRoll(context(cluster, store, kind))).rejects.toThrow(
      /w1: kubelet-push failed: boom; rolled back: its files and services are as before the roll \(the node stays cordoned\)/,
    );
    expect(calls.slice(-2)).toEqual(['w1', 'w1:rollback']);
    expect(store.journal.nodes.w1.rollback).toMatchObject({ state: 'rolled-back', step: 'kubelet-push' });
  });

  it('refuses a roll of one purpose over an unfinished roll of another, naming how to resume or abort it', async () => {
    const { cluster } = world();
    await start(cluster);
    const other = await cluster.list<Node>('v1', 'Node');
    const plan = planRoll({ nodes: other, target: 'v1.37.1', maxUnavailable: { count: 1 }, order: 'name', executorFor: () => 'local' });
    const upgrade: RollJournal = newJournal({ id: 'r2', plan, target: 'v1.37.1', settings, baseline: { notReadyNodes: [], failingPods: [] } });
    const store = new JournalStore(cluster.asCluster(), new LocalHost('/'), path.join(mkdtempSync(path.join(tmpdir(), 'bosun-roll-')), 'journal.json'));
    await expect(store.create(upgrade)).rejects.toThrow(
      /a container runtime migration \(r1\) is unfinished \(0 of 2 node\(s\) done\): "bosun migrate runtime --resume" continues it, "--abort" ends it/,
    );
    await expect(store.requestAbort('upgrade')).rejects.toThrow(/"bosun migrate runtime --resume"/);
  });
});
