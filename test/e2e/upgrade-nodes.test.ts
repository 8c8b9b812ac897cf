/**
 * `bosun upgrade nodes` on a sandbox (real API server and controller-manager, kwok workers): 20 workers with
 * Deployments, a StatefulSet, DaemonSets and PodDisruptionBudgets rolled to the new kubelet while a watcher
 * records every budget; then the ways a roll stops: a drain that cannot start, one that cannot finish, --abort.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { Node } from '../../src/kube/workloads.js';
import { artifactDir, kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { parseYaml } from '../../src/util/yaml.js';
import { budgetWatcher } from '../support/budget-watcher.js';
import { readJournal, waitJournal } from '../support/roll-journal.js';
import { bosun, installKubelet, nodeRoot, runCommand, BOSUN, type Sandbox, startSandbox } from '../support/sandbox.js';

const WORKERS = 20;
const OLD = 'v1.36.3';
const NEW = 'v1.37.1';
const WAIT = '--timeout=180s';
const PAUSE = 'registry.k8s.io/pause:3.10';

let sandbox: Sandbox;
let cluster: Cluster;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-upgrade-nodes-'));
const journalDir = path.join(scratch, 'journal');

const kubectl = (...args: string[]) => sandbox.kubectlOk(...args);
const apply = (yaml: string) => sandbox.apply(yaml);

const app = (kind: 'Deployment' | 'StatefulSet', name: string, replicas: number, extra = '') => `
apiVersion: apps/v1
kind: ${kind}
metadata: {name: ${name}, namespace: default}
spec:
  replicas: ${replicas}
  ${kind === 'StatefulSet' ? `serviceName: ${name}\n  podManagementPolicy: Parallel` : ''}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {${extra}containers: [{name: c, image: ${PAUSE}}]}
---`;
const budget = (name: string, spec: string) => `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}, namespace: default}
spec: {${spec}, selector: {matchLabels: {app: ${name}}}}
---`;
const daemonSet = (name: string) => `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}, namespace: default}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: ${PAUSE}}]}
---`;

/** Puts an older kubelet on nodes' disks (their Nodes then report it), as after `upgrade apply` and before the nodes follow. */
const setKubelet = (version: string, nodes: string[]) => installKubelet(sandbox, cluster, version, nodes);

const rollArgs = () => ['upgrade', 'nodes', '--kubeconfig', sandbox.kubeconfig, '--inventory', sandbox.inventory, '--journal-dir', journalDir];
const roll = (...args: string[]) => bosun(...rollArgs(), ...args);

/** The roll's journal as its ConfigMap holds it. */
const journal = () => readJournal(cluster);

async function nodes(): Promise<Node[]> {
  return cluster.list<Node>('v1', 'Node');
}

describe('bosun upgrade nodes', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: WORKERS });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    await apply(
      app('Deployment', 'web', 30) +
        budget('web', 'maxUnavailable: 2') +
        app('Deployment', 'api', 10) +
        budget('api', 'minAvailable: 8') +
        app('Deployment', 'plain', 20) +
        app('StatefulSet', 'db', 3) +
        budget('db', 'maxUnavailable: 1') +
        daemonSet('agent') +
        daemonSet('logs'),
    );
    await kubectl('rollout', 'status', 'deployment/web', 'deployment/api', 'deployment/plain', 'statefulset/db', 'daemonset/agent', 'daemonset/logs', WAIT);
    await kubectl('wait', 'pdb', '--all', '--for=jsonpath={.status.observedGeneration}=1', WAIT);
    await setKubelet(
      OLD,
      (await nodes()).map((n) => n.metadata.name),
    );
  });

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it('prints the plan and the drain forecast with --dry-run, changing nothing', async () => {
    const r = await roll('--dry-run', '--max-unavailable', '25%');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`[upgrade/nodes] Rolling ${WORKERS + 1} node(s) to kubelet ${NEW} in 5 batch(es):`);
    expect(r.stdout).toContain('  batch 1: control-plane\n  batch 2: worker-1, worker-2, worker-3, worker-4, worker-5\n');
    expect(r.stdout).toContain('steps per node: cordon → drain → upgrade-node → kubelet-restart → wait-ready → uncordon');
    expect(r.stdout).toMatch(/batch 2: evicts \d+ pod\(s\)/);
    expect(await journal()).toBeUndefined();
    expect((await nodes()).every((n) => !n.spec?.unschedulable)).toBe(true);
  });

  it(`rolls ${WORKERS} workers and the control plane to the new kubelet without going past any budget`, async () => {
    const watcher = budgetWatcher(cluster, ['web', 'api', 'db', 'plain']);
    await watcher.listed;
    const r = await roll('--yes', '--max-unavailable', '25%');
    await watcher.stop();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/\[upgrade\/nodes\] done: 21 of 21 node\(s\) done; \d+ pod\(s\) evicted/);

    const after = await nodes();
    expect(after.map((n) => n.status?.nodeInfo?.kubeletVersion)).toEqual(after.map(() => NEW));
    expect(after.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name)).toEqual([]);
    expect(after.filter((n) => n.metadata.annotations?.['upgrade.bosun.io/cordoned-by-roll'])).toEqual([]);
    // The apps were evicted, never more at once than their budgets allow.
    expect(watcher.evictions.web).toBeGreaterThan(0);
    expect(watcher.evictions.db).toBeGreaterThan(0);
    expect(watcher.evictions.plain).toBeGreaterThan(0);
    expect(watcher.maxOutstanding.web).toBeLessThanOrEqual(2);
    expect(watcher.maxOutstanding.api).toBeLessThanOrEqual(2);
    expect(watcher.maxOutstanding.db).toBeLessThanOrEqual(1);
    expect(Math.min(...Object.values(watcher.minAllowed))).toBeGreaterThanOrEqual(0);
    // Both copies of the journal say done.
    const j = (await journal())!;
    expect(j).toMatchObject({ state: 'done', target: NEW });
    expect(Object.values(j.nodes).every((n) => n.steps.every((s) => s.state === 'done'))).toBe(true);
    expect(j.batches.every((b) => b.gate.state === 'done')).toBe(true);
    const [local] = readdirSync(journalDir);
    expect(JSON.parse(readFileSync(path.join(journalDir, local), 'utf8'))).toMatchObject({ id: j.id, state: 'done', revision: j.revision });
    // Each node got, through its Host, the kubelet configuration of the cluster's kubelet-config ConfigMap with its
    // own CRI socket (as kubeadm upgrade node writes it), and the new kubelet binary on its disk.
    const kubeletConfig = await kubectl('get', 'configmap', '-n', 'kube-system', 'kubelet-config', '-o', 'jsonpath={.data.kubelet}');
    const worker7 = await nodeRoot(sandbox, 'worker-7');
    expect(parseYaml(readFileSync(path.join(worker7, 'var/lib/kubelet/config.yaml'), 'utf8'))).toEqual({
      ...(parseYaml(kubeletConfig) as object),
      containerRuntimeEndpoint: 'unix:///var/run/containerd/containerd.sock',
    });
    expect(realpathSync(path.join(worker7, 'usr/bin/kubelet'))).toBe(path.join(artifactDir(kubernetesArtifact(NEW)), 'kubelet'));
    // Nothing left to do.
    const again = await roll('--yes');
    expect(again.stdout).toContain(`Nothing to do: every node's kubelet runs ${NEW}`);
  });

  it('stops before a batch whose drains cannot finish, cordoning nothing of it; --abort ends the roll', async () => {
    await apply(app('Deployment', 'pinned', 1, 'nodeSelector: {kubernetes.io/hostname: worker-3}, ') + budget('pinned', 'minAvailable: 1'));
    await kubectl('rollout', 'status', 'deployment/pinned', WAIT);
    await kubectl('wait', 'pdb', 'pinned', '--for=jsonpath={.status.expectedPods}=1', WAIT);
    await setKubelet(OLD, ['worker-1', 'worker-2', 'worker-3', 'worker-4']);
    const r = await roll('--yes', '--max-unavailable', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the node roll stopped before batch 2/2 (nothing of it was cordoned): its drains cannot finish:');
    expect(r.stderr).toMatch(/PodDisruptionBudget default\/pinned allows 0 disruption\(s\) .*: default\/pinned-/);
    expect(r.stderr).toContain('"bosun upgrade nodes --resume" continues the roll once fixed');
    const state = await nodes();
    expect(state.filter((n) => n.spec?.unschedulable)).toEqual([]);
    expect(
      state
        .filter((n) => n.status?.nodeInfo?.kubeletVersion === OLD)
        .map((n) => n.metadata.name)
        .sort(),
    ).toEqual(['worker-3', 'worker-4']);
    expect(await journal()).toMatchObject({ state: 'failed' });

    const fresh = await roll('--yes');
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toMatch(/a node roll \(.*\) is unfinished \(2 of 4 node\(s\) done\): "bosun upgrade nodes --resume" continues it/);
    const aborted = await roll('--abort');
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stdout).toContain('(nobody runs it)');
    expect(await journal()).toMatchObject({ state: 'aborted' });
    await kubectl('delete', 'deployment/pinned', 'pdb/pinned');
    await setKubelet(NEW, ['worker-3', 'worker-4']);
  });

  it('leaves a node whose drain does not finish cordoned and says so; --abort uncordons it', async () => {
    // Evicting one of these is allowed; its replacement cannot be placed (pinned to the cordoned node), so the other waits.
    await apply(app('Deployment', 'stuck', 2, 'nodeSelector: {kubernetes.io/hostname: worker-5}, ') + budget('stuck', 'maxUnavailable: 1'));
    await kubectl('rollout', 'status', 'deployment/stuck', WAIT);
    await kubectl('wait', 'pdb', 'stuck', '--for=jsonpath={.status.disruptionsAllowed}=1', WAIT);
    await setKubelet(OLD, ['worker-5', 'worker-6']);
    // Long enough that, on a loaded machine too, the node's other pods get out first (db's budget lets one of its Pods
    // go at a time, and worker-6's went in the same batch; a 3 s timeout once caught db-1 still waiting) and only
    // stuck's second Pod is left waiting when it ends.
    const r = await roll('--yes', '--max-unavailable', '2', '--timeout', '20s');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /worker-5: drain failed: error when evicting pods\/"stuck-[\w-]+" -n "default": global timeout reached: 20s \(the node stays cordoned\)/,
    );
    expect(r.stdout).toMatch(/pod default\/stuck-[\w-]+ on node worker-5 waits: PodDisruptionBudget default\/stuck allows/);
    expect(r.stdout).toMatch(/pending pods in node "worker-5" .*: 1 waiting on PodDisruptionBudget default\/stuck allows 0 disruption/);
    const byName = new Map((await nodes()).map((n) => [n.metadata.name, n]));
    expect(byName.get('worker-5')!.spec?.unschedulable).toBe(true);
    expect(byName.get('worker-5')!.metadata.annotations?.['upgrade.bosun.io/cordoned-by-roll']).toBe((await journal())!.id);
    // Its batch mate finished.
    expect(byName.get('worker-6')!.spec?.unschedulable).toBeFalsy();
    expect(byName.get('worker-6')!.status?.nodeInfo?.kubeletVersion).toBe(NEW);

    const aborted = await roll('--abort');
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stdout).toMatch(/aborted at .*; uncordoned worker-5/);
    expect((await nodes()).find((n) => n.metadata.name === 'worker-5')!.spec?.unschedulable).toBeFalsy();
    await kubectl('delete', 'deployment/stuck', 'pdb/stuck');
    await setKubelet(NEW, ['worker-5']);
  });

  it('stops a running roll after its current node when --abort comes from another process', async () => {
    const targets = ['worker-8', 'worker-9', 'worker-10'];
    await setKubelet(OLD, targets);
    const running = runCommand([process.execPath, BOSUN, ...rollArgs(), '--yes', '--max-unavailable', '1', '--pause-between', '10m']);
    // Once the first node is done (the roll then pauses, until an abort ends the pause), ask to abort.
    await waitJournal(cluster, (j) => j.state === 'running' && j.batches[0].gate.state === 'done');
    // A second bosun cannot run the same roll meanwhile.
    const second = await roll('--resume');
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another bosun \(.*\) is running the node roll/);
    const abort = await roll('--abort');
    expect(abort.stdout).toMatch(/Abort requested: the roll run by .* stops after its current node\(s\)/);
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/aborted at .*: 1 of 3 node\(s\) done/);
    const after = (await nodes()).filter((n) => targets.includes(n.metadata.name));
    expect(Object.fromEntries(after.map((n) => [n.metadata.name, n.status?.nodeInfo?.kubeletVersion]))).toEqual({
      'worker-8': NEW,
      'worker-9': OLD,
      'worker-10': OLD,
    });
    expect(after.filter((n) => n.spec?.unschedulable)).toEqual([]);
    expect(await journal()).toMatchObject({ state: 'aborted' });
  });
});
