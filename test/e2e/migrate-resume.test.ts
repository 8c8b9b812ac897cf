/**
 * `bosun migrate` killed with SIGKILL at random points of its journal, again and again, each run resumed by the
 * next: four Docker workers moved to containerd, then to the systemd cgroup driver. At the end every node is
 * migrated, and was cordoned and uncordoned once by each migration however many runs it took.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { isNodeReady, type Node } from '../../src/kube/workloads.js';
import { containerdCgroupDriver } from '../../src/runtime/containerd-config.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { parseYaml } from '../../src/util/yaml.js';
import { journalOf, random, rollAndKill, transitions, type CM } from '../support/roll-crash.js';
import { bosun, startSandbox, type Sandbox } from '../support/sandbox.js';
import { rootfs } from '../support/ssh-roll.js';

const WORKERS = ['worker-1', 'worker-2', 'worker-3', 'worker-4'];
const KILLS = 10;
/**
 * A run is killed between these many journal writes after the journal it starts from: a resumed run's first writes
 * are its own (taking the roll over), so fewer would kill every run before it gets anywhere; few more, so a migration
 * takes many runs.
 */
const WRITES_PER_RUN = { least: 4, most: 9 };
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const LONG = 1_200_000;
const JOURNAL = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'bosun-node-roll' };

let sandbox: Sandbox;
let cluster: Cluster;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-migrate-crash-'));
const next = random(SEED);

const migrateArgs = (...args: string[]) => {
  const paths = sandboxPaths(sandbox.dir);
  return [
    'migrate',
    ...args,
    '--kubeconfig',
    sandbox.kubeconfig,
    '--inventory',
    paths.cluster,
    '--known-hosts',
    paths.knownHosts,
    '--journal-dir',
    path.join(scratch, 'journal'),
    '--max-unavailable',
    '2',
  ];
};

/**
 * Runs the migration, each run killed a random few journal writes after it starts and the next one resuming, until
 * a run ends by itself; then checks that every worker was cordoned and uncordoned exactly once.
 */
async function killAndResume(kind: string, start: string[]): Promise<number> {
  const seen = transitions(cluster);
  await seen.listed;
  let kills = 0;
  let args = migrateArgs(kind, ...start, '--yes');
  for (;;) {
    const from = journalOf(await cluster.get<CM>(JOURNAL).catch(() => undefined));
    const base = from?.state === 'running' || from?.state === 'failed' ? from.revision : 0;
    const revision = base + WRITES_PER_RUN.least + Math.floor(next() * (WRITES_PER_RUN.most - WRITES_PER_RUN.least + 1));
    const run = await rollAndKill(cluster, args, revision);
    if (!run.killed) {
      expect(run.code, `${kind}, after ${kills} kill(s) (seed ${SEED}):\n${run.output}`).toBe(0);
      break;
    }
    kills++;
    console.info(`${kind}: kill ${kills} at journal revision ${revision} (seed ${SEED})`);
    args = migrateArgs(kind, '--resume');
  }
  await seen.stop();
  expect(journalOf(await cluster.get<CM>(JOURNAL))!.state).toBe('done');
  expect(seen.cordons, `seed ${SEED}`).toEqual(Object.fromEntries(WORKERS.map((n) => [n, 1])));
  expect(seen.uncordons, `seed ${SEED}`).toEqual(Object.fromEntries(WORKERS.map((n) => [n, 1])));
  return kills;
}

describe(`bosun migrate killed at random points (seed ${SEED})`, () => {
  beforeAll(async () => {
    sandbox = await startSandbox();
    const joined = await bosun('sandbox', 'join', '--dir', sandbox.dir, '--workers', String(WORKERS.length), '--runtime', 'docker');
    expect(joined.code, joined.stdout + joined.stderr).toBe(0);
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    for (const name of WORKERS)
      await cluster.watchUntil<Node>(
        { apiVersion: 'v1', kind: 'Node', name },
        (n) => /^docker:\/\//.test(n?.status?.nodeInfo?.containerRuntimeVersion ?? ''),
        LONG,
      );
  }, LONG);

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it(
    `moves every Docker node to containerd once through at least ${KILLS} kills`,
    async () => {
      expect(await killAndResume('runtime', ['--to', 'containerd'])).toBeGreaterThanOrEqual(KILLS);
      for (const node of await cluster.list<Node>('v1', 'Node')) {
        expect(node.status?.nodeInfo?.containerRuntimeVersion, node.metadata.name).toMatch(/^containerd:\/\//);
        expect(isNodeReady(node) && !node.spec?.unschedulable, node.metadata.name).toBe(true);
      }
    },
    LONG,
  );

  it(
    `moves every node to the systemd cgroup driver once through at least ${KILLS} kills`,
    async () => {
      expect(await killAndResume('cgroup-driver', ['--to', 'systemd'])).toBeGreaterThanOrEqual(KILLS);
      for (const name of WORKERS) {
        const root = rootfs(sandbox, name);
        expect(parseYaml(readFileSync(path.join(root, 'var/lib/kubelet/config.yaml'), 'utf8')), name).toMatchObject({ cgroupDriver: 'systemd' });
        expect(containerdCgroupDriver(readFileSync(path.join(root, 'etc/containerd/config.toml'), 'utf8')), name).toBe('systemd');
      }
      const nodes = await cluster.list<Node>('v1', 'Node');
      expect(nodes.filter((n) => !isNodeReady(n) || n.spec?.unschedulable).map((n) => n.metadata.name)).toEqual([]);
    },
    LONG,
  );
});
