/**
 * `bosun upgrade nodes` killed with SIGKILL at random points of its journal (at least 20 times, one sandbox):
 * each time `--resume` completes the roll, every node upgraded, cordoned once and uncordoned once. (The
 * StatefulSet has no budget here: the disruption controller may count a same-name replacement as evicted for two
 * minutes when kwok deletes pods faster than it looks, which budgets the 20-worker roll test covers.)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, KubeObject } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { Node } from '../../src/kube/workloads.js';
import type { RollJournal } from '../../src/roll/journal/journal.js';
import { BOSUN, bosun, installKubelet, type Sandbox, startSandbox } from '../support/sandbox.js';

const OLD = 'v1.36.3';
const NEW = 'v1.37.1';
const KILLS = 20;
const WAIT = '--timeout=180s';
const PAUSE = 'registry.k8s.io/pause:3.10';
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

let sandbox: Sandbox;
let cluster: Cluster;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-roll-crash-'));
const journalDir = path.join(scratch, 'journal');
const rollArgs = () => [
  'upgrade',
  'nodes',
  '--kubeconfig',
  sandbox.kubeconfig,
  '--inventory',
  sandbox.inventory,
  '--journal-dir',
  journalDir,
  '--max-unavailable',
  '2',
];

/** mulberry32: the kill points are random, and reproducible from CRASH_SEED. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type CM = KubeObject & { data?: Record<string, string> };
const journalOf = (cm: CM | undefined) => (cm?.data?.['journal.json'] ? (JSON.parse(cm.data['journal.json']) as RollJournal) : undefined);

/** Counts, per node, schedulable → cordoned and cordoned → schedulable transitions, from one watch of the Nodes. */
function transitions() {
  const controller = new AbortController();
  const last = new Map<string, boolean>();
  const cordons: Record<string, number> = {};
  const uncordons: Record<string, number> = {};
  let ready!: () => void;
  const listed = new Promise<void>((resolve) => (ready = resolve));
  const watching = cluster.watch<Node>(
    'v1',
    'Node',
    {},
    (e) => {
      for (const node of e.type === 'LISTED' ? e.items : e.type === 'DELETED' ? [] : [e.object]) {
        const name = node.metadata.name;
        const now = Boolean(node.spec?.unschedulable);
        const before = last.get(name);
        if (before === false && now) cordons[name] = (cordons[name] ?? 0) + 1;
        if (before === true && !now) uncordons[name] = (uncordons[name] ?? 0) + 1;
        last.set(name, now);
      }
      if (e.type === 'LISTED') ready();
    },
    controller.signal,
  );
  return {
    cordons,
    uncordons,
    listed,
    async stop() {
      controller.abort();
      await watching;
    },
  };
}

/** Starts a roll and SIGKILLs it once its journal reaches `revision`; resolves with whether it was killed. */
function rollAndKill(revision: number): Promise<{ killed: boolean; code: number | null; output: string }> {
  const child = spawn(process.execPath, [BOSUN, ...rollArgs(), '--yes'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const controller = new AbortController();
  let killed = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      controller.abort();
      resolve(code);
    }),
  );
  void cluster.watch<CM>(
    'v1',
    'ConfigMap',
    { namespace: 'kube-system', fieldSelector: 'metadata.name=bosun-node-roll' },
    (e) => {
      for (const cm of e.type === 'LISTED' ? e.items : e.type === 'DELETED' ? [] : [e.object]) {
        const j = journalOf(cm);
        // A journal of this roll (not the last one's, which is done) at the revision: kill.
        if (j && j.state === 'running' && j.revision >= revision && !killed && child.exitCode === null) {
          killed = child.kill('SIGKILL');
          controller.abort();
        }
      }
    },
    controller.signal,
  );
  return exited.then((code) => ({ killed, code, output }));
}

/** Puts kubelet `version` on every node's disk; their Nodes then report it. */
async function setKubelet(version: string): Promise<void> {
  const nodes = await cluster.list<Node>('v1', 'Node');
  await installKubelet(
    sandbox,
    cluster,
    version,
    nodes.map((n) => n.metadata.name),
  );
}

describe(`bosun upgrade nodes killed at random points (seed ${SEED})`, () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 4 });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    const file = path.join(scratch, 'apps.yaml');
    writeFileSync(
      file,
      `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 8
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: ${PAUSE}}]}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: default}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  replicas: 2
  serviceName: db
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: ${PAUSE}}]}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: c, image: ${PAUSE}}]}}
`,
    );
    for (const args of [
      ['apply', '-f', file],
      ['rollout', 'status', 'deployment/web', 'statefulset/db', 'daemonset/agent', WAIT],
    ]) {
      const r = await sandbox.kubectlRun(...args);
      if (r.code !== 0) throw new Error(r.stderr);
    }
  });

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it(`resumes every one of ${KILLS} rolls killed with SIGKILL to the end, cordoning and uncordoning each node once`, async () => {
    // One full roll tells how many journal revisions a roll writes: the kills land anywhere in that range.
    await setKubelet(OLD);
    const full = await bosun(...rollArgs(), '--yes');
    expect(full.code, full.stdout + full.stderr).toBe(0);
    const revisions = journalOf(await cluster.get<CM>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'bosun-node-roll' }))!.revision;
    const next = random(SEED);
    const killedAt: number[] = [];
    for (let attempt = 0; killedAt.length < KILLS && attempt < KILLS * 2; attempt++) {
      await setKubelet(OLD);
      const seen = transitions();
      await seen.listed;
      const revision = Math.floor(next() * revisions);
      const started = Date.now();
      const run = await rollAndKill(revision);
      const killedAfter = Date.now() - started;
      if (!run.killed) {
        // It finished before the kill landed: a complete roll, not a crash.
        expect(run.code, run.output).toBe(0);
      } else {
        killedAt.push(revision);
        const resumed = await bosun(...rollArgs(), '--resume');
        console.info(
          `kill ${killedAt.length}: at revision ${revision}/${revisions} after ${killedAfter} ms; resumed in ${Date.now() - started - killedAfter} ms`,
        );
        expect(resumed.code, `killed at revision ${revision} (seed ${SEED}):\n${run.output}\n--- resume:\n${resumed.stdout}${resumed.stderr}`).toBe(0);
      }
      await seen.stop();
      const nodes = await cluster.list<Node>('v1', 'Node');
      const context = `killed at revision ${revision} (seed ${SEED})`;
      expect(
        nodes.map((n) => `${n.metadata.name}=${n.status?.nodeInfo?.kubeletVersion}`),
        context,
      ).toEqual(nodes.map((n) => `${n.metadata.name}=${NEW}`));
      expect(
        nodes.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name),
        context,
      ).toEqual([]);
      expect(seen.cordons, context).toEqual(Object.fromEntries(nodes.map((n) => [n.metadata.name, 1])));
      expect(seen.uncordons, context).toEqual(Object.fromEntries(nodes.map((n) => [n.metadata.name, 1])));
      const j = journalOf(await cluster.get<CM>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'bosun-node-roll' }))!;
      expect(j.state, context).toBe('done');
    }
    expect(killedAt.length).toBe(KILLS);
  }, 600_000);
});
