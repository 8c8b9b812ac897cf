/**
 * `bosun upgrade nodes` killed with SIGKILL at random points of its journal (at least 20 times, one sandbox):
 * each time `--resume` completes the roll, every node upgraded, cordoned once and uncordoned once. (The
 * StatefulSet has no budget here: the disruption controller may count a same-name replacement as evicted for two
 * minutes when kwok deletes pods faster than it looks, which budgets the 20-worker roll test covers.)
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { Node } from '../../src/kube/workloads.js';
import { journalOf, PAUSE, random, rollAndKill, transitions, webUnderBudget, type CM } from '../support/roll-crash.js';
import { bosun, installKubelet, type Sandbox, startSandbox } from '../support/sandbox.js';

const OLD = 'v1.36.3';
const NEW = 'v1.37.1';
const KILLS = 20;
const WAIT = '--timeout=180s';
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
      `${webUnderBudget(8)}---
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
      const seen = transitions(cluster);
      await seen.listed;
      const revision = Math.floor(next() * revisions);
      const started = Date.now();
      const run = await rollAndKill(cluster, [...rollArgs(), '--yes'], revision);
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
