/**
 * `bosun upgrade nodes --inventory` over SSH when things go wrong, on one sandbox whose nodes are SSH hosts:
 * killed with SIGKILL at random points of its journal and resumed (every node upgraded once, no half-written
 * file left on any node), and the refusals that must leave every node as it was: an unknown or changed host key,
 * a key the hosts refuse, a kubelet whose SHA-256 is not the published one, a host whose sshd is down.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { Node } from '../../src/kube/workloads.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { emitYaml, parseYaml } from '../../src/util/yaml.js';
import { readJournal } from '../support/roll-journal.js';
import { random, rollAndKill, transitions, webUnderBudget } from '../support/roll-crash.js';
import { sandboxSsh, startSandbox, type CliResult, type Sandbox } from '../support/sandbox.js';
import {
  cachedKubelet,
  kubeletDigests,
  leftoverTemps,
  nodeDigests,
  nodeNames,
  nodeReports,
  rootfs,
  sandboxState,
  sha256,
  sshRoll,
} from '../support/ssh-roll.js';

const OLD = 'v1.36.3';
const NEW = 'v1.37.1';
const WORKERS = 6;
const KILLS = 10;
const LONG = 900_000;
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

let sandbox: Sandbox;
let cluster: Cluster;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-ssh-faults-'));
const journalDir = path.join(scratch, 'journal');
const roll = (opts: { inventory?: string; knownHosts?: string } = {}) => sshRoll(sandbox, journalDir, opts);
const address = (node: string) => sandboxState(sandbox).nodes.find((n) => n.name === node)!.network!.address;

/** Puts kubelet `version` on every node's disk as a real file, restarts each kubelet over SSH, waits for the Nodes to report it. */
async function putKubelet(version: string): Promise<void> {
  const ssh = sandboxSsh(sandbox);
  await Promise.all(
    nodeNames(sandbox).map(async (node) => {
      const target = path.join(rootfs(sandbox, node), 'usr/bin/kubelet');
      copyFileSync(cachedKubelet(version), `${target}.put`);
      renameSync(`${target}.put`, target);
      const restart = await ssh.ssh(address(node), 'systemctl restart kubelet');
      if (restart.code !== 0) throw new Error(`${node}: systemctl restart kubelet: ${restart.stderr}`);
      await cluster.watchUntil<Node>({ apiVersion: 'v1', kind: 'Node', name: node }, (n) => n?.status?.nodeInfo?.kubeletVersion === version, 120_000);
    }),
  );
}

/** The sandbox's SSH cluster file with each host edited, written to the scratch directory. */
function clusterFile(name: string, edit: (host: Record<string, unknown>) => Record<string, unknown>): string {
  const doc = parseYaml(readFileSync(sandboxPaths(sandbox.dir).cluster, 'utf8')) as { spec: { hosts: Record<string, unknown>[] } };
  doc.spec.hosts = doc.spec.hosts.map(edit);
  const file = path.join(scratch, name);
  writeFileSync(file, emitYaml(doc));
  return file;
}

/** Runs a roll that must be refused with `message`, and checks that no node was cordoned and no file on any node changed. */
async function refused(result: CliResult, message: RegExp): Promise<void> {
  expect(result.code, result.stdout).not.toBe(0);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/BEGIN OPENSSH PRIVATE KEY/);
  expect(nodeDigests(sandbox)).toEqual(before);
  expect((await nodeReports(cluster)).cordoned).toEqual([]);
  expect((await readJournal(cluster))?.id).toBe(lastJournal);
}

let before: Map<string, string>;
let lastJournal: string | undefined;

describe(`bosun upgrade nodes over SSH: kills (seed ${SEED}) and refusals`, () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: WORKERS });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    await sandbox.apply(webUnderBudget(8));
    await sandbox.kubectlOk('rollout', 'status', 'deployment/web', '--timeout=180s');
  }, LONG);

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it(
    `resumes every one of ${KILLS} rolls killed with SIGKILL: each node upgraded once, none cordoned, no half-written file`,
    async () => {
      const args = [...roll().args, '--max-unavailable', '2'];
      await putKubelet(OLD);
      const full = await roll().run('--yes', '--max-unavailable', '2');
      expect(full.code, full.stdout + full.stderr).toBe(0);
      const revisions = (await readJournal(cluster))!.revision;
      const next = random(SEED);
      const expected = sha256(readFileSync(cachedKubelet(NEW)));
      let kills = 0;
      for (let attempt = 0; kills < KILLS && attempt < KILLS * 2; attempt++) {
        await putKubelet(OLD);
        const seen = transitions(cluster);
        await seen.listed;
        const revision = Math.floor(next() * revisions);
        const run = await rollAndKill(cluster, [...args, '--yes'], revision);
        const context = `killed at revision ${revision}/${revisions} (seed ${SEED})`;
        if (!run.killed) expect(run.code, run.output).toBe(0);
        else {
          kills++;
          const resumed = await sshRoll(sandbox, journalDir).run('--resume');
          console.info(`kill ${kills}: ${context}`);
          expect(resumed.code, `${context}:\n${run.output}\n--- resume:\n${resumed.stdout}${resumed.stderr}`).toBe(0);
        }
        await seen.stop();
        const reports = await nodeReports(cluster);
        expect(reports.versions, context).toEqual(Object.fromEntries(nodeNames(sandbox).map((n) => [n, NEW])));
        expect(reports.cordoned, context).toEqual([]);
        expect(kubeletDigests(sandbox), context).toEqual(Object.fromEntries(nodeNames(sandbox).map((n) => [n, expected])));
        expect(seen.cordons, context).toEqual(Object.fromEntries(nodeNames(sandbox).map((n) => [n, 1])));
        expect(seen.uncordons, context).toEqual(Object.fromEntries(nodeNames(sandbox).map((n) => [n, 1])));
        expect(leftoverTemps(sandbox), context).toEqual([]);
        expect((await readJournal(cluster))!.state, context).toBe('done');
      }
      expect(kills).toBe(KILLS);
    },
    LONG * 2,
  );

  describe('refuses, changing nothing on any node', () => {
    beforeAll(async () => {
      await putKubelet(OLD);
      before = nodeDigests(sandbox);
      lastJournal = (await readJournal(cluster))?.id;
    }, LONG);

    it('a host whose key known_hosts does not hold, naming its fingerprint', async () => {
      const empty = path.join(scratch, 'empty_known_hosts');
      writeFileSync(empty, '');
      await refused(await roll({ knownHosts: empty }).run('--yes'), /unknown host key: .* presents ssh-ed25519 key SHA256:[A-Za-z0-9+/]{43}/);
      expect(readFileSync(empty, 'utf8')).toBe('');
    });

    it('a host whose key changed', async () => {
      const lines = readFileSync(sandboxPaths(sandbox.dir).knownHosts, 'utf8').trim().split('\n');
      const [w1, w2] = [address('worker-1'), address('worker-2')].map((a) => lines.find((l) => l.startsWith(`${a} `))!);
      const changed = path.join(scratch, 'changed_known_hosts');
      writeFileSync(changed, lines.map((l) => (l === w1 ? `${address('worker-1')} ${w2.split(' ').slice(1).join(' ')}` : l)).join('\n') + '\n');
      await refused(await roll({ knownHosts: changed }).run('--yes'), /worker-1.*HOST KEY CHANGED/s);
    });

    it('a key the hosts do not accept', async () => {
      const key = path.join(scratch, 'other_key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      const inventory = clusterFile('other-key.yaml', (h) => ({ ...h, ssh: { ...(h.ssh as object), keyPath: key } }));
      await refused(await roll({ inventory }).run('--yes'), /user root was refused/);
    });

    it('a kubelet binary whose SHA-256 is not the published one', async () => {
      const release = path.join(scratch, 'release', NEW);
      mkdirSync(release, { recursive: true });
      copyFileSync(cachedKubelet(NEW), path.join(release, 'kubelet'));
      writeFileSync(path.join(release, 'kubelet.sha256'), `${sha256(readFileSync(cachedKubelet(OLD)))}  kubelet\n`);
      const inventory = clusterFile('bad-digest.yaml', (h) => ({
        ...h,
        kubelet: { install: 'binary', url: `file://${path.join(scratch, 'release')}/{version}/kubelet` },
      }));
      await refused(await roll({ inventory }).run('--yes'), /kubelet: its SHA-256 is [0-9a-f]{64}, the published one .* is [0-9a-f]{64}: not installed/);
    });

    it('a host whose sshd is down, naming it', async () => {
      const sshd = sandboxState(sandbox).processes.find((p) => p.name === 'sshd/worker-3')!;
      process.kill(sshd.pid, 'SIGKILL');
      await refused(await roll().run('--yes'), /cannot reach 1 of \d+ hosts; nothing was changed:\n.*worker-3.*connection refused/);
    });
  });
});
