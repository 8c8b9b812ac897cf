/**
 * `bosun upgrade nodes --inventory` over SSH, end to end: a sandbox at the older version whose nodes are real SSH
 * hosts (sshd chrooted into each node's files, the real kubelet binary on each disk), `upgrade apply`, then the
 * roll: the new kubelet pushed over SFTP to every node, the control-plane node's `upgrade node` phases run through
 * its SshHost (static Pods onto the new binaries; a component that fails rolled back byte for byte), budgets kept.
 */
import { existsSync, mkdtempSync, readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { PodReport } from '../../src/sandbox/mirror.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { parseYaml, emitYaml } from '../../src/util/yaml.js';
import { budgetWatcher } from '../support/budget-watcher.js';
import { webUnderBudget } from '../support/roll-crash.js';
import { BOSUN, runCommand, startSandbox, waitForFile, type CliResult, type Sandbox } from '../support/sandbox.js';
import { cachedKubelet, kubeletDigests, leftoverTemps, nodeReports, rootfs, sandboxState, sha256, sshRoll } from '../support/ssh-roll.js';

const OLD = 'v1.36.3';
const NEW = 'v1.37.1';
const WORKERS = 6;
const CONTROL_PLANE = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
/** The components the control-plane node runs at the old version when the roll reaches it (the API server may not be older than the kubelets). */
const BEHIND = ['kube-controller-manager', 'kube-scheduler'];
const COMPONENTS = ['etcd', ...CONTROL_PLANE];
const LONG = 900_000;
const WAIT = '--timeout=300s';
const MAX_PODS = 150;

let sandbox: Sandbox;
let cluster: Cluster;
let cp: string;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-ssh-roll-'));
const roll = (...args: string[]) => sshRoll(sandbox, path.join(scratch, 'journal')).run(...args);
const kubectl = (...args: string[]) => sandbox.kubectlOk(...args);
const manifestFile = (c: string) => path.join(cp, 'etc/kubernetes/manifests', `${c}.yaml`);
const manifest = (c: string) => readFileSync(manifestFile(c), 'utf8');
const mirrorHash = async (c: string) =>
  JSON.parse(await kubectl('-n', 'kube-system', 'get', 'pod', `${c}-control-plane`, '-o', 'json')).metadata.annotations['kubernetes.io/config.hash'];
const succeeded = (r: CliResult) => expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);

/** These control-plane components' processes, once each runs the binary of `version`. */
const processesAt = (version: string, components: string[]) =>
  waitForFile(
    sandboxPaths(sandbox.dir).runDir('control-plane'),
    async () => {
      const report = path.join(sandboxPaths(sandbox.dir).runDir('control-plane'), 'pods.json');
      const pods = existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as { pods: PodReport[] }).pods : [];
      const running = new Map<string, { pid: number; binary: string }>();
      for (const c of components) {
        const container = pods.find((p) => p.file === `${c}.yaml`)?.containers[0];
        if (container?.state !== 'running' || !container.pid) return undefined;
        let binary: string;
        try {
          binary = readlinkSync(`/proc/${container.pid}/exe`);
        } catch {
          return undefined;
        }
        if (!binary.includes(`/kubernetes/${version}/${c}`)) return undefined;
        running.set(c, { pid: container.pid, binary });
      }
      return running;
    },
    LONG,
    `${components.join(', ')} running the ${version} binaries`,
  );

/** A kube-system ConfigMap's data key, edited. */
async function editConfigMap(name: string, key: string, edit: (text: string) => string): Promise<void> {
  const cm = JSON.parse(await kubectl('-n', 'kube-system', 'get', 'configmap', name, '-o', 'json'));
  cm.data[key] = edit(cm.data[key]);
  const file = path.join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify(cm));
  await kubectl('replace', '-f', file);
}

describe('bosun upgrade nodes over SSH', () => {
  const oldManifests = new Map<string, string>();

  beforeAll(async () => {
    sandbox = await startSandbox({ version: OLD, workers: WORKERS });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    cp = rootfs(sandbox, 'control-plane');
    for (const c of BEHIND) oldManifests.set(c, manifest(c));
    await sandbox.apply(webUnderBudget(12));
    await kubectl('rollout', 'status', 'deployment/web', WAIT);
    await kubectl('wait', 'pdb', 'web', '--for=jsonpath={.status.disruptionsAllowed}=1', WAIT);
    const netns = sandboxState(sandbox).nodes.find((n) => n.name === 'control-plane')!.network!.netns;
    const apply = await runCommand(['ip', 'netns', 'exec', netns, process.execPath, BOSUN, 'upgrade', 'apply', NEW, '--yes', '--rootfs', cp]);
    succeeded(apply);
    expect(Object.values(kubeletDigests(sandbox))).toEqual(Array(WORKERS + 1).fill(sha256(readFileSync(cachedKubelet(OLD)))));
  }, LONG);

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it(
    "rolls back the control-plane node's component that fails on its new manifest, byte for byte over SFTP",
    async () => {
      await editConfigMap('kubeadm-config', 'ClusterConfiguration', (t) =>
        t.replace(/^scheduler: \{\}$/m, 'scheduler:\n  extraArgs:\n    - name: no-such-flag\n      value: "1"'),
      );
      const before = new Map(COMPONENTS.map((c) => [c, manifest(c)]));
      const hashes = new Map(await Promise.all(COMPONENTS.map(async (c) => [c, await mirrorHash(c)] as const)));
      const kubeletConfig = readFileSync(path.join(cp, 'var/lib/kubelet/config.yaml'), 'utf8');
      const r = await roll('--yes', '--health-timeout', '90s');
      expect(r.code, r.stdout).toBe(1);
      expect(r.stdout + r.stderr).toContain('kube-scheduler failed on its new manifest');
      expect(r.stdout + r.stderr).toContain('Rolled back kube-scheduler');
      for (const c of COMPONENTS) {
        expect(manifest(c), c).toBe(before.get(c));
        expect(await mirrorHash(c), c).toBe(hashes.get(c));
      }
      // Nothing after the static Pods ran: the kubelet and its configuration are the old ones.
      expect(readFileSync(path.join(cp, 'var/lib/kubelet/config.yaml'), 'utf8')).toBe(kubeletConfig);
      expect(kubeletDigests(sandbox)['control-plane']).toBe(sha256(readFileSync(cachedKubelet(OLD))));
      succeeded(await roll('--abort'));
      expect((await nodeReports(cluster)).cordoned).toEqual([]);
      await editConfigMap('kubeadm-config', 'ClusterConfiguration', (t) => t.replace(/^scheduler:\n(?: {2}.*\n)+/m, 'scheduler: {}\n'));
    },
    LONG,
  );

  it(
    `rolls every node to ${NEW} over SSH: the binary pushed, the control plane restarted on the new binaries, budgets kept`,
    async () => {
      // The control-plane node as one whose controller-manager and scheduler are not upgraded yet, so its `upgrade
      // node` over SSH has static Pods to upgrade.
      for (const c of BEHIND) {
        writeFileSync(`${manifestFile(c)}.restore`, oldManifests.get(c)!);
        renameSync(`${manifestFile(c)}.restore`, manifestFile(c));
      }
      const oldProcesses = await processesAt(OLD, BEHIND);
      // The operator changes the cluster's kubelet configuration first: every node must take it.
      await editConfigMap('kubelet-config', 'kubelet', (t) => emitYaml({ ...(parseYaml(t) as object), maxPods: MAX_PODS }));

      const watcher = budgetWatcher(cluster, ['web']);
      await watcher.listed;
      const r = await roll('--yes', '--max-unavailable', '2');
      await watcher.stop();
      succeeded(r);
      expect(r.stdout).toMatch(new RegExp(`\\[upgrade/nodes\\] done: ${WORKERS + 1} of ${WORKERS + 1} node\\(s\\) done`));
      // One SSH connection per host, reused by every step.
      expect(r.stdout.trim().split('\n').at(-1)).toMatch(
        new RegExp(`^\\[upgrade/nodes\\] \\d+ API request\\(s\\) by this process, ${WORKERS + 1} SSH host\\(s\\), ${WORKERS + 1} connection\\(s\\)$`),
      );

      // Every node's disk has the new binary, and its Node reports what the agent read from it.
      const expected = sha256(readFileSync(cachedKubelet(NEW)));
      expect(Object.values(kubeletDigests(sandbox))).toEqual(Array(WORKERS + 1).fill(expected));
      const reports = await nodeReports(cluster);
      expect(Object.values(reports.versions)).toEqual(Array(WORKERS + 1).fill(NEW));
      expect(reports.cordoned).toEqual([]);
      expect(watcher.evictions.web).toBeGreaterThan(0);
      expect(watcher.maxOutstanding.web).toBeLessThanOrEqual(1);
      expect(Math.min(...Object.values(watcher.minAllowed))).toBeGreaterThanOrEqual(0);

      // The control-plane node's kubelet configuration is the cluster's kubelet-config, with its own instance settings.
      const clusterWide = parseYaml(await kubectl('-n', 'kube-system', 'get', 'configmap', 'kubelet-config', '-o', 'jsonpath={.data.kubelet}')) as object;
      const instanceFile = path.join(cp, 'var/lib/kubelet/instance-config.yaml');
      const instance = existsSync(instanceFile) ? (parseYaml(readFileSync(instanceFile, 'utf8')) as object) : {};
      const config = parseYaml(readFileSync(path.join(cp, 'var/lib/kubelet/config.yaml'), 'utf8')) as { maxPods: number };
      expect(config.maxPods).toBe(MAX_PODS);
      expect(config).toMatchObject({ ...clusterWide, ...instance });

      // Its static Pods were upgraded through its SshHost and the runner restarted each on the new binary.
      for (const c of CONTROL_PLANE) expect(manifest(c)).toContain(`image: registry.k8s.io/${c}:${NEW}`);
      const running = await processesAt(NEW, BEHIND);
      for (const c of BEHIND) {
        expect(running.get(c)!.pid, c).not.toBe(oldProcesses.get(c)!.pid);
        expect((await runCommand([running.get(c)!.binary, '--version'])).stdout.trim(), c).toBe(`Kubernetes ${NEW}`);
      }
      expect(leftoverTemps(sandbox)).toEqual([]);
      const again = await roll('--yes');
      expect(again.stdout).toContain(`Nothing to do: every node's kubelet runs ${NEW}`);
    },
    LONG,
  );
});
