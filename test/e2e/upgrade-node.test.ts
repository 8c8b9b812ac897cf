/**
 * `bosun upgrade node` on a sandbox control-plane node, from the older pinned minor to the newer one, as the
 * Kubernetes upgrade guide runs it: `upgrade apply` on the first control-plane node, then `upgrade node` on every
 * other one. The second node joined with `bosun sandbox join --control-planes 1` has its own network namespace,
 * static-pod runner and etcd member; what is checked is what a user would look at on it afterwards. Before the
 * upgrade the operator changes a cluster-wide kubelet setting, so that the node's kubelet configuration has something
 * to take from the cluster.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as emitYaml } from 'yaml';
import type { PodReport } from '../../src/sandbox/mirror.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { manifestHash } from '../../src/sandbox/static-pod.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { PINNED_KUBERNETES_VERSIONS } from '../../src/versions/pinned.js';
import { BOSUN, bosun, runCommand, startSandbox, waitForFile, type CliResult, type Sandbox } from '../support/sandbox.js';

const [OLD, NEW] = PINNED_KUBERNETES_VERSIONS;
const CONTROL_PLANE = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const COMPONENTS = ['etcd', ...CONTROL_PLANE];
const FIRST = 'control-plane';
const SECOND = 'control-plane-2';
const LONG = 900_000;
const WAIT = '--timeout=300s';
const KUBELET_CONFIG = 'var/lib/kubelet/config.yaml';
/** A cluster-wide kubelet setting the operator changes before the upgrade: every node must take it. */
const MAX_PODS = 150;

/** What a process runs; undefined once it has exited (the runner's report may be a moment behind). */
function executable(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** One real node of the sandbox: where its files are, the namespace its commands run in, its runner's report. */
interface SandboxNode {
  name: string;
  rootfs: string;
  netns: string;
  runDir: string;
}

describe(`bosun upgrade node: a second control-plane node from ${OLD} to ${NEW}`, () => {
  let sandbox: Sandbox;
  const nodes = new Map<string, SandboxNode>();
  /** Each node's manifests and kubelet configuration as they were before any upgrade. */
  const original = new Map<string, string>();

  const node = (name: string) => nodes.get(name)!;
  const file = (name: string, nodePath: string) => path.join(node(name).rootfs, nodePath);
  const manifest = (name: string, c: string) => readFileSync(file(name, `etc/kubernetes/manifests/${c}.yaml`), 'utf8');
  const backups = (name: string) => (existsSync(file(name, 'etc/kubernetes/tmp')) ? readdirSync(file(name, 'etc/kubernetes/tmp')).sort() : []);
  /** `bosun upgrade …` on a node, inside its network namespace, as the sandbox runs its node commands. */
  const upgrade = (name: string, ...args: string[]): Promise<CliResult> =>
    runCommand(['ip', 'netns', 'exec', node(name).netns, process.execPath, BOSUN, 'upgrade', ...args, '--rootfs', node(name).rootfs]);
  const succeeded = (result: CliResult) => expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  const kubectl = (...args: string[]) => sandbox.kubectlOk(...args);
  const mirrorPod = async (name: string, c: string) => JSON.parse(await kubectl('-n', 'kube-system', 'get', 'pod', `${c}-${name}`, '-o', 'json'));
  const mirrorHash = async (name: string, c: string) => (await mirrorPod(name, c)).metadata.annotations['kubernetes.io/config.hash'] as string;
  const hashes = async (name: string) => new Map(await Promise.all(COMPONENTS.map(async (c) => [c, await mirrorHash(name, c)] as const)));
  const kubeProxyImage = () => kubectl('-n', 'kube-system', 'get', 'daemonset', 'kube-proxy', '-o', 'jsonpath={.spec.template.spec.containers[0].image}');

  /** The runner's view of a node's pods (pods.json, as `bosun sandbox status` reads it). */
  const pods = (name: string): PodReport[] => {
    const report = path.join(node(name).runDir, 'pods.json');
    return existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as { pods: PodReport[] }).pods : [];
  };
  /** Each component's running process on a node, once every one runs a binary of `version`; waits for the runner. */
  const processesAt = (name: string, version: string) =>
    waitForFile(
      node(name).runDir,
      async () => {
        const running = new Map<string, { pid: number; binary: string }>();
        for (const c of CONTROL_PLANE) {
          const container = pods(name).find((p) => p.file === `${c}.yaml`)?.containers[0];
          if (container?.state !== 'running' || !container.pid) return undefined;
          const binary = executable(container.pid);
          if (!binary?.includes(`/kubernetes/${version}/${c}`)) return undefined;
          running.set(c, { pid: container.pid, binary });
        }
        return running;
      },
      LONG,
      `${CONTROL_PLANE.join(', ')} on ${name} running the ${version} binaries`,
    );
  const allReady = (name: string) =>
    Promise.all(COMPONENTS.map((c) => kubectl('-n', 'kube-system', 'wait', `pod/${c}-${name}`, '--for=condition=Ready', WAIT)));

  beforeAll(async () => {
    sandbox = await startSandbox({ version: OLD, workers: 0 });
    const joined = await bosun('sandbox', 'join', '--dir', sandbox.dir, '--control-planes', '1');
    if (joined.code !== 0) {
      await sandbox.down();
      throw new Error(`bosun sandbox join --control-planes 1 failed (exit ${joined.code}):\n${joined.stdout.slice(-4000)}\n${joined.stderr.slice(-4000)}`);
    }
    const paths = sandboxPaths(sandbox.dir);
    const state = JSON.parse(readFileSync(paths.state, 'utf8')) as SandboxState;
    for (const name of [FIRST, SECOND]) {
      const netns = state.nodes.find((n) => n.name === name)!.network!.netns;
      nodes.set(name, { name, netns, rootfs: paths.nodeRoot(name), runDir: paths.runDir(name) });
      for (const c of COMPONENTS) original.set(`${name}/${c}`, manifest(name, c));
      original.set(`${name}/kubelet`, readFileSync(file(name, KUBELET_CONFIG), 'utf8'));
    }
    await Promise.all([FIRST, SECOND].map(allReady));
  }, LONG);

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it(
    `upgrades the first node with upgrade apply; the addons wait for ${SECOND}`,
    async () => {
      // The operator changes the cluster's kubelet configuration first (kubeadm's way: the kubelet-config ConfigMap).
      const cm = JSON.parse(await kubectl('-n', 'kube-system', 'get', 'configmap', 'kubelet-config', '-o', 'json'));
      const kubelet = parseYaml(cm.data.kubelet);
      expect(kubelet.maxPods).toBeUndefined();
      cm.data.kubelet = emitYaml({ ...kubelet, maxPods: MAX_PODS });
      writeFileSync(path.join(sandbox.dir, 'kubelet-config.json'), JSON.stringify(cm));
      await kubectl('replace', '-f', path.join(sandbox.dir, 'kubelet-config.json'));

      const result = await upgrade(FIRST, 'apply', NEW, '--yes');
      succeeded(result);
      expect(result.stdout).toContain(`[upgrade] SUCCESS! A control plane node of your cluster was upgraded to "${NEW}".`);
      for (const addon of ['coredns', 'kube-proxy']) {
        expect(result.stdout).toContain(
          `[upgrade/addon] Skipping the addon/${addon} phase. Not all control plane instances have been upgraded: ${SECOND} runs ${OLD}`,
        );
      }
      expect(await kubeProxyImage()).toBe(`registry.k8s.io/kube-proxy:${OLD}`);
      for (const c of CONTROL_PLANE) expect(manifest(FIRST, c)).toContain(`image: registry.k8s.io/${c}:${NEW}`);
      expect(parseYaml(readFileSync(file(FIRST, KUBELET_CONFIG), 'utf8')).maxPods).toBe(MAX_PODS);
      for (const c of COMPONENTS) expect(manifest(SECOND, c), c).toBe(original.get(`${SECOND}/${c}`));
      expect(readFileSync(file(SECOND, KUBELET_CONFIG), 'utf8')).toBe(original.get(`${SECOND}/kubelet`));
    },
    LONG,
  );

  it(
    'upgrade node on the first node after apply changes nothing: it is already at the cluster version',
    async () => {
      const before = { manifests: COMPONENTS.map((c) => manifest(FIRST, c)), backups: backups(FIRST), hashes: await hashes(FIRST) };
      const result = await upgrade(FIRST, 'node');
      succeeded(result);
      for (const c of COMPONENTS) expect(result.stdout).toContain(`Current and new manifests of ${c} are equal, skipping upgrade`);
      expect(result.stdout).toContain('[upgrade/kubelet-config] "/var/lib/kubelet/config.yaml" is up to date');
      expect(result.stdout).toContain(`[upgrade] The configuration for node ${FIRST} was successfully upgraded to ${NEW}!`);
      expect(COMPONENTS.map((c) => manifest(FIRST, c))).toEqual(before.manifests);
      expect(backups(FIRST)).toEqual(before.backups);
      expect(await hashes(FIRST)).toEqual(before.hashes);
    },
    LONG,
  );

  it(
    `upgrade node --dry-run on ${SECOND} changes nothing`,
    async () => {
      const result = await upgrade(SECOND, 'node', '--dry-run');
      succeeded(result);
      for (const c of COMPONENTS) expect(manifest(SECOND, c), c).toBe(original.get(`${SECOND}/${c}`));
      expect(readFileSync(file(SECOND, KUBELET_CONFIG), 'utf8')).toBe(original.get(`${SECOND}/kubelet`));
      expect(backups(SECOND)).toEqual([]);
      expect(await kubeProxyImage()).toBe(`registry.k8s.io/kube-proxy:${OLD}`);
    },
    LONG,
  );

  it(
    `upgrades ${SECOND}: new manifests and binaries, new mirror Pod hashes, the cluster's kubelet configuration, backups, then the addons`,
    async () => {
      const oldProcesses = await processesAt(SECOND, OLD);
      const oldHashes = await hashes(SECOND);
      const result = await upgrade(SECOND, 'node');
      succeeded(result);
      expect(result.stdout).toContain(`[upgrade] The configuration for node ${SECOND} was successfully upgraded to ${NEW}!`);

      // Its static Pods are the first node's, at the new version, and the runner restarted each on the new binary.
      expect(manifest(SECOND, 'etcd')).toContain(manifest(FIRST, 'etcd').match(/image: \S+/)![0]);
      for (const c of CONTROL_PLANE) expect(manifest(SECOND, c)).toContain(`image: registry.k8s.io/${c}:${NEW}`);
      const running = await processesAt(SECOND, NEW);
      for (const c of CONTROL_PLANE) {
        expect(running.get(c)!.pid, c).not.toBe(oldProcesses.get(c)!.pid);
        const reported = await runCommand([running.get(c)!.binary, '--version']);
        expect(reported.stdout.trim(), c).toBe(`Kubernetes ${NEW}`);
      }
      await allReady(SECOND);
      for (const c of COMPONENTS) {
        const hash = await mirrorHash(SECOND, c);
        expect(hash, c).not.toBe(oldHashes.get(c));
        expect(hash, c).toBe(manifestHash(manifest(SECOND, c)));
        expect((await mirrorPod(SECOND, c)).spec.containers[0].image, c).toBe(manifest(SECOND, c).match(/image: (\S+)/)![1]);
      }

      // The kubelet's configuration is the cluster's (the operator's change included), with this node's own instance settings.
      const clusterWide = parseYaml(await kubectl('-n', 'kube-system', 'get', 'configmap', 'kubelet-config', '-o', 'jsonpath={.data.kubelet}'));
      expect(clusterWide.maxPods).toBe(MAX_PODS);
      const instance = parseYaml(readFileSync(file(SECOND, 'var/lib/kubelet/instance-config.yaml'), 'utf8'));
      expect(parseYaml(readFileSync(file(SECOND, KUBELET_CONFIG), 'utf8'))).toEqual({ ...clusterWide, ...instance });

      // The old manifests, etcd's data and the old kubelet configuration are kept under /etc/kubernetes/tmp, as kubeadm keeps them.
      const tmp = file(SECOND, 'etc/kubernetes/tmp');
      const kubeletBackups = backups(SECOND).filter((d) => d.startsWith('kubeadm-kubelet-config-'));
      expect(kubeletBackups).toHaveLength(1);
      expect(readFileSync(path.join(tmp, kubeletBackups[0], 'config.yaml'), 'utf8')).toBe(original.get(`${SECOND}/kubelet`));
      const manifestBackups = backups(SECOND).filter((d) => d.startsWith('kubeadm-backup-manifests-'));
      expect(manifestBackups).toHaveLength(1);
      for (const c of COMPONENTS) {
        expect(readFileSync(path.join(tmp, manifestBackups[0], `${c}.yaml`), 'utf8'), c).toBe(original.get(`${SECOND}/${c}`));
      }
      const etcdBackups = backups(SECOND).filter((d) => d.startsWith('kubeadm-backup-etcd-'));
      expect(etcdBackups).toHaveLength(1);
      expect(readdirSync(path.join(tmp, etcdBackups[0], 'etcd'))).toContain('member');

      // Every API server now runs the new version: the addons move with this node.
      for (const addon of ['CoreDNS', 'kube-proxy']) expect(result.stdout).toContain(`[addons] Applied essential addon: ${addon}`);
      expect(await kubeProxyImage()).toBe(`registry.k8s.io/kube-proxy:${NEW}`);
    },
    LONG,
  );

  it(
    `a second upgrade node on ${SECOND} changes nothing`,
    async () => {
      const before = {
        manifests: COMPONENTS.map((c) => manifest(SECOND, c)),
        kubelet: readFileSync(file(SECOND, KUBELET_CONFIG), 'utf8'),
        backups: backups(SECOND),
        hashes: await hashes(SECOND),
        processes: await processesAt(SECOND, NEW),
      };
      const result = await upgrade(SECOND, 'node');
      succeeded(result);
      for (const c of COMPONENTS) expect(result.stdout).toContain(`Current and new manifests of ${c} are equal, skipping upgrade`);
      expect(result.stdout).toContain('[upgrade/kubelet-config] "/var/lib/kubelet/config.yaml" is up to date');
      expect(COMPONENTS.map((c) => manifest(SECOND, c))).toEqual(before.manifests);
      expect(readFileSync(file(SECOND, KUBELET_CONFIG), 'utf8')).toBe(before.kubelet);
      expect(backups(SECOND)).toEqual(before.backups);
      expect(await hashes(SECOND)).toEqual(before.hashes);
      expect(await processesAt(SECOND, NEW)).toEqual(before.processes);
    },
    LONG,
  );
});
