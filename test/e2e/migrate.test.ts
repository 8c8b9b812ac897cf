/**
 * `bosun migrate` end to end over SSH on sandbox machines with a real control plane: one control plane and six
 * workers joined by `bosun join`, three of them Docker nodes on cgroupfs (dockerd, Debian's containerd 1.6 behind it, cri-dockerd's
 * socket in their kubelet files) and a driver mismatch planted on a containerd node. The report finds exactly
 * those; `migrate runtime` moves the Docker nodes to containerd under a budget, rolling back the one whose
 * containerd cannot start (its config broken right after bosun writes it) to Docker byte for byte; `--resume`
 * finishes; `migrate cgroup-driver --to systemd` leaves every node and the kubelet-config ConfigMap on systemd.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { isNodeReady, type Node } from '../../src/kube/workloads.js';
import { containerdCgroupDriver } from '../../src/runtime/containerd-config.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { parseYaml } from '../../src/util/yaml.js';
import { budgetWatcher } from '../support/budget-watcher.js';
import { webUnderBudget } from '../support/roll-crash.js';
import { bosun, startSandbox, type CliResult, type Sandbox } from '../support/sandbox.js';
import { rootfs, sha256 } from '../support/ssh-roll.js';

const DOCKER = ['worker-1', 'worker-2', 'worker-3'];
/** A containerd node whose containerd says cgroupfs under a kubelet on systemd. */
const MISMATCHED = 'worker-4';
/** The Docker node whose containerd cannot start the first time. */
const FAILING = 'worker-2';
const WORKERS = 6;
const LONG = 900_000;
/** The node files a runtime migration may change or create, relative to the rootfs. */
const MIGRATED_PATHS = [
  'etc/containerd',
  'etc/docker',
  'var/lib/kubelet/config.yaml',
  'var/lib/kubelet/instance-config.yaml',
  'var/lib/kubelet/kubeadm-flags.env',
  'etc/systemd/system',
];

let sandbox: Sandbox;
let cluster: Cluster;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-migrate-'));
const reach = () => {
  const paths = sandboxPaths(sandbox.dir);
  return ['--kubeconfig', sandbox.kubeconfig, '--inventory', paths.cluster, '--known-hosts', paths.knownHosts];
};
const migrate = (...args: string[]) => bosun('migrate', ...args, ...reach(), '--journal-dir', path.join(scratch, 'journal'));
const report = async () => {
  const r = await bosun('migrate', 'report', '-o', 'json', ...reach());
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as {
    nodes: Array<{ name: string; status: string; errors: string[] }>;
    workloads: Array<{ kind: string; namespace?: string; name: string; class: string }>;
  };
};
const succeeded = (r: CliResult) => expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
const runtimeOf = (n: Node) => n.status?.nodeInfo?.containerRuntimeVersion;

/** What the containerd binary on a node's disk calls itself (`containerd github.com/… 1.6.20~ds1 …`). */
const containerdOnDisk = (node: string) =>
  execFileSync(path.join(rootfs(sandbox, node), 'usr/bin/containerd'), ['--version'], { encoding: 'utf8' }).split(' ')[2];

/** Every file under the paths a migration touches on a node, with its digest (a link: its target). */
function nodeFiles(node: string): Record<string, string> {
  const root = rootfs(sandbox, node);
  const files: Record<string, string> = {};
  const visit = (rel: string) => {
    const full = path.join(root, rel);
    if (!existsSync(full)) return;
    const entries = (() => {
      try {
        return readdirSync(full, { withFileTypes: true });
      } catch {
        return undefined;
      }
    })();
    if (!entries) return void (files[rel] = sha256(readFileSync(full)));
    for (const e of entries) {
      if (e.isSymbolicLink()) files[path.join(rel, e.name)] = `-> ${execFileSync('readlink', [path.join(full, e.name)], { encoding: 'utf8' }).trim()}`;
      else visit(path.join(rel, e.name));
    }
  };
  for (const rel of MIGRATED_PATHS) visit(rel);
  return files;
}

/** Breaks the node's containerd config.toml whenever something writes one that names SystemdCgroup (bosun's). */
function breakContainerdConfig(node: string): FSWatcher {
  const dir = path.join(rootfs(sandbox, node), 'etc/containerd');
  const file = path.join(dir, 'config.toml');
  return watch(dir, () => {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (text.includes('SystemdCgroup')) writeFileSync(file, 'version = 2\n[plugins\n');
  });
}

async function nodes(): Promise<Node[]> {
  return cluster.list<Node>('v1', 'Node');
}

describe('bosun migrate over SSH', () => {
  beforeAll(async () => {
    // Workers joined by the real `bosun join`, so their kubelet files are kubeadm's: three on Docker, three on containerd.
    sandbox = await startSandbox();
    for (const runtime of ['docker', 'containerd'])
      succeeded(await bosun('sandbox', 'join', '--dir', sandbox.dir, '--workers', String(WORKERS / 2), '--runtime', runtime));
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    const apps = path.join(scratch, 'web.yaml');
    writeFileSync(apps, webUnderBudget(6));
    await sandbox.kubectlOk('apply', '-f', apps);
    await sandbox.kubectlOk('rollout', 'status', 'deployment/web', '--timeout=300s');
    const config = path.join(rootfs(sandbox, MISMATCHED), 'etc/containerd/config.toml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('SystemdCgroup = true', 'SystemdCgroup = false'));
    await cluster.watchUntil<Node>({ apiVersion: 'v1', kind: 'Node', name: DOCKER[2] }, (n) => /^docker:\/\//.test(runtimeOf(n!) ?? ''), LONG);
  }, LONG);

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it(
    'reports exactly the Docker nodes, the docker.sock workload and its owner, and the planted mismatch',
    async () => {
      const found = await report();
      expect(found.nodes.filter((n) => n.status === 'to-migrate').map((n) => n.name)).toEqual(DOCKER);
      expect(found.nodes.filter((n) => n.errors.length).map((n) => [n.name, n.errors.join('; ')])).toEqual([[MISMATCHED, expect.stringMatching(/cgroup/)]]);
      expect(found.workloads.filter((w) => w.class === 'depends').map((w) => `${w.kind} ${w.namespace}/${w.name}`)).toEqual([
        'DaemonSet kube-system/docker-log-agent',
      ]);
      const gate = await bosun('migrate', 'report', '--exit-code', ...reach());
      expect(gate.code, gate.stdout + gate.stderr).toBe(3);
    },
    LONG,
  );

  it(
    'plans without changing anything on --dry-run',
    async () => {
      const before = Object.fromEntries(DOCKER.map((n) => [n, nodeFiles(n)]));
      const dry = await migrate('runtime', '--to', 'containerd', '--dry-run');
      succeeded(dry);
      for (const node of DOCKER) expect(dry.stdout).toContain(node);
      expect(dry.stdout).toMatch(/containerRuntimeEndpoint/);
      expect(Object.fromEntries(DOCKER.map((n) => [n, nodeFiles(n)]))).toEqual(before);
      expect((await nodes()).filter((n) => n.spec?.unschedulable)).toEqual([]);
    },
    LONG,
  );

  it(
    'rolls a node whose containerd does not start back to Docker byte for byte and stops there, then resumes to the end',
    async () => {
      const budgets = budgetWatcher(cluster, ['web']);
      await budgets.listed;
      const before = nodeFiles(FAILING);
      const breaker = breakContainerdConfig(FAILING);
      let failed: CliResult;
      try {
        failed = await migrate('runtime', '--to', 'containerd', '--yes', '--max-unavailable', '1');
      } finally {
        breaker.close();
      }
      expect(failed.code, failed.stdout + failed.stderr).not.toBe(0);
      // The roll stops naming the node and its step, and says what became of it.
      expect(failed.stderr).toMatch(
        new RegExp(
          `${FAILING}: (containerd-start|wait-ready) failed: [\\s\\S]*; rolled back: its files and services are as before the roll \\(the node stays cordoned\\)`,
        ),
      );
      // Back on Docker, with the files it had, and left cordoned.
      const node = await cluster.watchUntil<Node>(
        { apiVersion: 'v1', kind: 'Node', name: FAILING },
        (n) => /^docker:\/\//.test(runtimeOf(n!) ?? '') && isNodeReady(n!),
        LONG,
      );
      expect(node!.spec?.unschedulable).toBe(true);
      expect(nodeFiles(FAILING)).toEqual(before);

      const resumed = await migrate('runtime', '--resume');
      succeeded(resumed);
      const after = await nodes();
      expect(Object.fromEntries(after.map((n) => [n.metadata.name, runtimeOf(n)]))).toEqual(
        Object.fromEntries(after.map((n) => [n.metadata.name, `containerd://${containerdOnDisk(n.metadata.name)}`])),
      );
      expect(after.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name)).toEqual([]);
      // The layout of kubeadm v1.36+: the endpoint in instance-config.yaml and config.yaml, none in the flags, no annotation.
      for (const name of DOCKER) {
        const root = rootfs(sandbox, name);
        expect(parseYaml(readFileSync(path.join(root, 'var/lib/kubelet/instance-config.yaml'), 'utf8'))).toMatchObject({
          containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
        });
        expect(parseYaml(readFileSync(path.join(root, 'var/lib/kubelet/config.yaml'), 'utf8'))).toMatchObject({
          containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
        });
        expect(readFileSync(path.join(root, 'var/lib/kubelet/kubeadm-flags.env'), 'utf8')).not.toContain('--container-runtime-endpoint');
        expect(after.find((n) => n.metadata.name === name)!.metadata.annotations?.['kubeadm.alpha.kubernetes.io/cri-socket']).toBeUndefined();
        expect(existsSync(path.join(root, 'etc/systemd/system/multi-user.target.wants/docker.service'))).toBe(false);
      }
      await budgets.stop();
      expect(budgets.evictions.web).toBeGreaterThan(0);
      expect(budgets.maxOutstanding.web).toBeLessThanOrEqual(1);
      expect((await report()).nodes.filter((n) => n.status === 'to-migrate')).toEqual([]);
    },
    LONG,
  );

  it(
    'moves the ConfigMap and every node to the systemd cgroup driver, after which nothing mismatches',
    async () => {
      succeeded(await migrate('cgroup-driver', '--to', 'systemd', '--yes', '--max-unavailable', '2'));
      const cm = JSON.parse(await sandbox.kubectlOk('-n', 'kube-system', 'get', 'configmap', 'kubelet-config', '-o', 'json'));
      expect(parseYaml(cm.data.kubelet)).toMatchObject({ cgroupDriver: 'systemd' });
      for (const n of await nodes()) {
        const root = rootfs(sandbox, n.metadata.name);
        expect(parseYaml(readFileSync(path.join(root, 'var/lib/kubelet/config.yaml'), 'utf8')), n.metadata.name).toMatchObject({ cgroupDriver: 'systemd' });
        expect(containerdCgroupDriver(readFileSync(path.join(root, 'etc/containerd/config.toml'), 'utf8')), n.metadata.name).toBe('systemd');
        expect(isNodeReady(n) && !n.spec?.unschedulable, n.metadata.name).toBe(true);
      }
      expect((await report()).nodes.filter((n) => n.errors.length)).toEqual([]);
    },
    LONG,
  );
});
