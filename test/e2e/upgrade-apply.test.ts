/**
 * `bosun upgrade plan/diff/apply` on a real control plane: a sandbox at the older pinned minor (real etcd,
 * API server, controller-manager, scheduler; kwok workers) is upgraded to the newer one, the static-pod runner
 * switching binaries by image tag. Also: a component that cannot come up is rolled back, and version-rule
 * violations are refused naming the rule.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodReport } from '../../src/sandbox/mirror.js';
import { manifestHash } from '../../src/sandbox/static-pod.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { PINNED_KUBERNETES_VERSIONS } from '../../src/versions/pinned.js';
import { BOSUN, runCommand, startSandbox, type CliResult, type Sandbox } from '../support/sandbox.js';

const [OLD, NEW] = PINNED_KUBERNETES_VERSIONS;
const CONTROL_PLANE = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const COMPONENTS = ['etcd', ...CONTROL_PLANE];
const LONG = 900_000;

describe(`bosun upgrade: a sandbox at ${OLD} to ${NEW}`, () => {
  let sandbox: Sandbox;
  let rootfs: string;
  let netns: string;
  const original = new Map<string, string>();

  const manifest = (c: string) => readFileSync(path.join(rootfs, 'etc/kubernetes/manifests', `${c}.yaml`), 'utf8');
  /** `bosun upgrade …` on the control-plane node, inside its network namespace, as `sandbox up` runs init. */
  const upgrade = (...args: string[]): Promise<CliResult> =>
    runCommand(['ip', 'netns', 'exec', netns, process.execPath, BOSUN, 'upgrade', ...args, '--rootfs', rootfs]);
  const kubectl = async (...args: string[]) => {
    const result = await sandbox.kubectlRun(...args);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const mirrorHash = async (c: string) =>
    JSON.parse(await kubectl('-n', 'kube-system', 'get', 'pod', `${c}-control-plane`, '-o', 'json')).metadata.annotations['kubernetes.io/config.hash'];
  const serverVersion = async () => JSON.parse(await kubectl('get', '--raw', '/version')).gitVersion;
  const unchanged = () => {
    for (const c of COMPONENTS) expect(manifest(c), c).toBe(original.get(c));
  };
  /** The ClusterConfiguration stored in kubeadm-config, edited by `edit` (text in, text out). */
  const editClusterConfiguration = async (edit: (text: string) => string) => {
    const cm = JSON.parse(await kubectl('-n', 'kube-system', 'get', 'configmap', 'kubeadm-config', '-o', 'json'));
    cm.data.ClusterConfiguration = edit(cm.data.ClusterConfiguration);
    const file = path.join(sandbox.dir, 'kubeadm-config.json');
    writeFileSync(file, JSON.stringify(cm));
    await kubectl('replace', '-f', file);
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ version: OLD, workers: 1 });
    const state = JSON.parse(readFileSync(path.join(sandbox.dir, 'state.json'), 'utf8')) as SandboxState;
    netns = state.nodes.find((n) => n.name === 'control-plane')!.network!.netns;
    rootfs = path.join(sandbox.dir, 'nodes/control-plane');
    for (const c of COMPONENTS) original.set(c, manifest(c));
  }, LONG);

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it(
    'refuses version-rule violations naming the rule, and changes nothing',
    async () => {
      const refusals: Array<[string, string]> = [
        ['v1.38.0', '[one-minor-at-a-time]'],
        [`v1.${Number(OLD.split('.')[1]) - 1}.0`, '[no-downgrade]'],
        [`${NEW}9`, '[known-version]'],
        ['banana', '[version-format]'],
      ];
      for (const [version, rule] of refusals) {
        const result = await upgrade('apply', version, '--yes');
        expect(result.code, version).not.toBe(0);
        expect(result.stderr, version).toContain(`cannot upgrade the control plane from ${OLD} to ${version}`);
        expect(result.stderr, version).toContain(rule);
      }
      const plan = await upgrade('plan', 'v1.38.0');
      expect(plan.code).not.toBe(0);
      expect(plan.stderr).toContain('[one-minor-at-a-time]');
      unchanged();
      expect(await serverVersion()).toBe(OLD);
    },
    LONG,
  );

  it(
    'will not proceed without --yes when there is no terminal to ask on',
    async () => {
      const result = await upgrade('apply', NEW);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('stdin is not a terminal; pass --yes (-y)');
      unchanged();
    },
    LONG,
  );

  it(
    'plans the upgrade with a drain forecast; diff and --dry-run show the same manifest changes and change nothing',
    async () => {
      const plan = await upgrade('plan', '-o', 'json');
      expect(plan.code, plan.stderr).toBe(0);
      const parsed = JSON.parse(plan.stdout);
      expect(parsed).toMatchObject({ kind: 'UpgradePlan', clusterVersion: OLD });
      expect(parsed.availableUpgrades.map((u: { version: string }) => u.version)).toEqual([NEW]);
      expect(parsed.availableUpgrades[0].components).toContainEqual({
        name: 'kube-apiserver',
        currentVersion: OLD,
        newVersion: NEW,
        nodeName: 'control-plane',
      });
      expect(parsed.drainForecast.batches.map((b: { nodes: { node: string }[] }) => b.nodes.map((n) => n.node))).toEqual([['control-plane'], ['worker-1']]);

      const diff = await upgrade('diff', NEW);
      expect(diff.code, diff.stderr).toBe(0);
      for (const c of CONTROL_PLANE) {
        expect(diff.stdout).toContain(`-      image: registry.k8s.io/${c}:${OLD}\n+      image: registry.k8s.io/${c}:${NEW}\n`);
      }
      const dryRun = await upgrade('apply', NEW, '--dry-run');
      expect(dryRun.code, dryRun.stderr).toBe(0);
      for (const hunk of diff.stdout.split(/(?=^--- )/m)) expect(dryRun.stdout).toContain(hunk);
      unchanged();
    },
    LONG,
  );

  it(
    'rolls back a component that cannot become healthy on the new version, and fails naming it',
    async () => {
      const hashes = new Map(await Promise.all(CONTROL_PLANE.map(async (c) => [c, await mirrorHash(c)] as const)));
      await editClusterConfiguration((text) => text.replace(/^scheduler: \{\}$/m, 'scheduler:\n  extraArgs:\n    - name: no-such-flag\n      value: "1"'));
      const result = await upgrade('apply', NEW, '--yes', '--timeout', '3m');
      expect(result.code, result.stdout).not.toBe(0);
      expect(result.stderr).toContain('kube-scheduler failed on its new manifest');
      expect(result.stderr).toContain(
        'Rolled back kube-scheduler, kube-controller-manager, kube-apiserver to the backups in /etc/kubernetes/tmp/kubeadm-backup-manifests-',
      );
      for (const c of CONTROL_PLANE) {
        expect(manifest(c), c).toBe(original.get(c));
        expect(await mirrorHash(c), c).toBe(hashes.get(c));
      }
      // etcd was upgraded successfully and stays: it serves both API server versions.
      expect(manifest('etcd')).toContain('image: registry.k8s.io/etcd:3.7.0-0');
      expect(await serverVersion()).toBe(OLD);
      const tmp = path.join(rootfs, 'etc/kubernetes/tmp');
      const backups = readdirSync(tmp).filter((d) => d.startsWith('kubeadm-backup-manifests-'));
      expect(backups).toHaveLength(1);
      expect(readdirSync(path.join(tmp, backups[0])).sort()).toEqual(COMPONENTS.map((c) => `${c}.yaml`));
      expect(readFileSync(path.join(tmp, backups[0], 'kube-scheduler.yaml'), 'utf8')).toBe(original.get('kube-scheduler'));
      expect(readdirSync(tmp).some((d) => d.startsWith('kubeadm-backup-etcd-'))).toBe(true);
      await editClusterConfiguration((text) => text.replace(/^scheduler:\n(?: {2}.*\n)+/m, 'scheduler: {}\n'));
    },
    LONG,
  );

  it(
    `upgrades the control plane to ${NEW}: new binaries, new mirror Pod hashes, every component at the new version`,
    async () => {
      const hashes = new Map(await Promise.all(CONTROL_PLANE.map(async (c) => [c, await mirrorHash(c)] as const)));
      const result = await upgrade('apply', NEW, '--yes');
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toContain(`[upgrade] SUCCESS! A control plane node of your cluster was upgraded to "${NEW}".`);

      expect(await serverVersion()).toBe(NEW);
      const pods: PodReport[] = JSON.parse(readFileSync(path.join(sandbox.dir, 'run/control-plane/pods.json'), 'utf8')).pods;
      for (const c of CONTROL_PLANE) {
        const text = manifest(c);
        expect(text).toContain(`image: registry.k8s.io/${c}:${NEW}`);
        const hash = await mirrorHash(c);
        expect(hash, c).not.toBe(hashes.get(c));
        expect(hash, c).toBe(manifestHash(text));
        const [container] = pods.find((p) => p.file === `${c}.yaml`)!.containers;
        const binary = readlinkSync(`/proc/${container.pid}/exe`);
        expect(binary, c).toContain(`/kubernetes/${NEW}/${c}`);
        const reported = await runCommand([binary, '--version']);
        expect(reported.stdout.trim(), c).toBe(`Kubernetes ${NEW}`);
      }
      const etcd = JSON.parse(await kubectl('-n', 'kube-system', 'get', 'pod', 'etcd-control-plane', '-o', 'json'));
      expect(etcd.spec.containers[0].image).toBe('registry.k8s.io/etcd:3.7.0-0');
      expect(etcd.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));

      const config = await kubectl('-n', 'kube-system', 'get', 'configmap', 'kubeadm-config', '-o', 'jsonpath={.data.ClusterConfiguration}');
      expect(config).toContain(`kubernetesVersion: ${NEW}`);
      expect(await kubectl('-n', 'kube-system', 'get', 'daemonset', 'kube-proxy', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe(
        `registry.k8s.io/kube-proxy:${NEW}`,
      );
      expect(await kubectl('-n', 'kube-system', 'get', 'deployment', 'coredns', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe(
        'registry.k8s.io/coredns/coredns:v1.14.6',
      );

      const plan = JSON.parse((await upgrade('plan', '-o', 'json')).stdout);
      expect(plan.clusterVersion).toBe(NEW);
      expect(plan.availableUpgrades).toBeUndefined();
      expect(plan.nodeUpgrades.map((n: { nodeName: string }) => n.nodeName)).toEqual(['control-plane', 'worker-1']);

      // Applying the same version again changes no manifest.
      const manifests = COMPONENTS.map(manifest);
      const again = await upgrade('apply', NEW, '--yes');
      expect(again.code, again.stderr).toBe(0);
      for (const c of COMPONENTS) expect(again.stdout).toContain(`Current and new manifests of ${c} are equal, skipping upgrade`);
      expect(COMPONENTS.map(manifest)).toEqual(manifests);
    },
    LONG,
  );
});
