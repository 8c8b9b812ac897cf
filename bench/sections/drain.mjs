// Draining with bosun vs the real kubectl drain, in sandboxes (real API server and controller-manager, kwok workers):
// 1. one node with 200 pods, half of them behind PodDisruptionBudgets: `bosun drain` vs `kubectl drain` on two
//    nodes holding identical copies of the same apps, in one cluster;
// 2. a rolling upgrade of 200 workers × 20 pods with --max-unavailable 10% (`bosun upgrade nodes`) vs the same
//    nodes drained and uncordoned one after another with kubectl: wall time and API requests per node.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { BOSUN, table } from '../lib.mjs';

const PAUSE = 'registry.k8s.io/pause:3.10';
/** The brief's targets. */
const TARGET_DRAIN_RATIO = 0.3;
const TARGET_ROLL_RATIO = 0.1;
const ROLL_WORKERS = Number(process.env.BENCH_ROLL_WORKERS ?? 200);
const PODS_PER_WORKER = 20;

/** Runs a command; resolves with its wall time (ms), stdout and stderr; rejects with its output when it fails. */
function run(cmd, args, { allowFail = false, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0 || allowFail) resolve({ ms, code, stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${(stdout + stderr).trim().slice(-3000)}`));
    });
  });
}

/**
 * The bench cluster: etcd without fsync and controller-manager and scheduler allowed more API requests a second,
 * so that the API server and controllers are not what both tools wait for on a small machine.
 */
const CLUSTER_CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
networking: {podSubnet: 10.244.0.0/16}
etcd:
  local:
    extraArgs: [{name: unsafe-no-fsync, value: "true"}]
controllerManager:
  extraArgs: [{name: kube-api-qps, value: "300"}, {name: kube-api-burst, value: "600"}]
scheduler:
  extraArgs: [{name: kube-api-qps, value: "300"}, {name: kube-api-burst, value: "600"}]
`;

/** A sandbox for one part of the section: kubectl and bosun against it, removed afterwards. */
async function sandbox(workers) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bosun-bench-drain-'));
  const config = path.join(dir, 'cluster.yaml');
  await writeFile(config, CLUSTER_CONFIG);
  const up = await run(process.execPath, [BOSUN, 'sandbox', 'up', '--dir', dir, '--workers', String(workers), '--config', config]);
  // How bosun reaches the sandbox's nodes: each one's root directory and kubelet binaries, as `up` printed it.
  const inventory = /bosun upgrade nodes --inventory (\S+)/.exec(up.stdout)?.[1];
  if (!inventory) throw new Error(`bosun sandbox up printed no inventory:\n${up.stdout.slice(-2000)}`);
  const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8'));
  const kubeconfig = path.join(dir, 'nodes/control-plane/etc/kubernetes/admin.conf');
  const binDir = state.binDir ?? path.join(process.env.BOSUN_CACHE || path.join(os.homedir(), '.cache', 'bosun'), 'bin', 'kubernetes', state.kubernetesVersion);
  const kubectlBin = path.join(binDir, 'kubectl');
  const kubectl = (...args) => run(kubectlBin, ['--kubeconfig', kubeconfig, ...args]);
  const bosun = (...args) => run(process.execPath, [BOSUN, ...args, '--kubeconfig', kubeconfig], { allowFail: true });
  return {
    dir,
    kubectl,
    kubectlBin,
    kubeconfig,
    inventory,
    bosun,
    async apply(yaml) {
      const file = path.join(dir, `apply-${Math.random().toString(36).slice(2)}.yaml`);
      await writeFile(file, yaml);
      await kubectl('apply', '-f', file);
    },
    async down() {
      await run(process.execPath, [BOSUN, 'sandbox', 'down', '--dir', dir, '--purge']).catch((err) => console.error(err.message));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const deployment = (name, replicas) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: ${PAUSE}}]}
---`;
const budget = (name, maxUnavailable) => `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}, namespace: default}
spec: {maxUnavailable: ${JSON.stringify(maxUnavailable)}, selector: {matchLabels: {app: ${name}}}}
---`;
const daemonSet = (name) => `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}, namespace: default}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: ${PAUSE}}]}
---`;

/** 200 pods: two apps of 50 without a budget, four of 25 each behind a budget allowing 20% (5 at a time). */
function nodeApps(tag) {
  const apps = [];
  for (let i = 1; i <= 2; i++) apps.push(deployment(`free-${i}-${tag}`, 50));
  for (let i = 1; i <= 4; i++) apps.push(deployment(`paced-${i}-${tag}`, 25) + budget(`paced-${i}-${tag}`, '20%'));
  return { yaml: apps.join('\n'), names: [1, 2].map((i) => `free-${i}-${tag}`).concat([1, 2, 3, 4].map((i) => `paced-${i}-${tag}`)) };
}

async function drainPart() {
  const workers = 10;
  const sb = await sandbox(workers);
  try {
    const all = Array.from({ length: workers }, (_, i) => `worker-${i + 1}`);
    // Each copy of the apps is created while only its node is schedulable; afterwards every node is.
    for (const [node, tag] of [
      ['worker-1', 'kc'],
      ['worker-2', 'bo'],
    ]) {
      await sb.kubectl('cordon', ...all.filter((n) => n !== node));
      const apps = nodeApps(tag);
      await sb.apply(apps.yaml);
      for (const name of apps.names) await sb.kubectl('rollout', 'status', `deployment/${name}`, '--timeout=600s');
      await sb.kubectl('uncordon', ...all);
    }
    await sb.kubectl('wait', 'pdb', '--all', '--for=jsonpath={.status.disruptionsAllowed}=5', '--timeout=300s');
    // Neither node takes the other's evicted pods.
    await sb.kubectl('cordon', 'worker-2');
    const kubectlRun = await run(sb.kubectlBin, ['--kubeconfig', sb.kubeconfig, 'drain', 'worker-1', '--ignore-daemonsets']);
    const bosunRun = await sb.bosun('drain', 'worker-2', '--ignore-daemonsets');
    if (bosunRun.code !== 0) throw new Error(`bosun drain failed:\n${bosunRun.stderr}`);
    const evicted = (out) => (out.match(/^pod\/\S+ evicted$/gm) ?? []).length;
    const ratio = bosunRun.ms / kubectlRun.ms;
    table(
      ['drain of one node, 200 pods (100 behind budgets)', 'evicted', 'wall time', 'verdict'],
      [
        ['kubectl drain', evicted(kubectlRun.stdout), `${(kubectlRun.ms / 1000).toFixed(2)} s`, ''],
        [
          'bosun drain',
          evicted(bosunRun.stdout),
          `${(bosunRun.ms / 1000).toFixed(2)} s`,
          `ratio ${ratio.toFixed(3)}; target ≤ ${TARGET_DRAIN_RATIO}: ${ratio <= TARGET_DRAIN_RATIO ? 'met' : 'MISSED'}`,
        ],
      ],
    );
  } finally {
    await sb.down();
  }
}

/**
 * Every node gets kubelet `version` on its disk, as the sandbox's inventory says its kubelets are installed (a
 * link to the cached binary), and reports it: the state after `upgrade apply`, before the nodes follow.
 */
async function setKubelets(sb, nodes, version) {
  const inventory = parse(await readFile(sb.inventory, 'utf8'));
  for (const node of inventory.nodes.filter((n) => nodes.includes(n.name))) {
    const link = path.join(node.local.root, 'usr/bin/kubelet');
    await symlink(node.kubelet.from.replaceAll('{version}', version), `${link}.bench`);
    await rename(`${link}.bench`, link);
  }
  await sb.kubectl('wait', 'node', '--all', `--for=jsonpath={.status.nodeInfo.kubeletVersion}=${version}`, '--timeout=300s');
}

async function rollPart() {
  const sb = await sandbox(ROLL_WORKERS);
  try {
    // Apps of (workers) replicas, about one pod of each per node, half of them behind a 10% budget; with the
    // agent and kube-proxy DaemonSets, 20 pods a node.
    const apps = Array.from({ length: PODS_PER_WORKER - 2 }, (_, i) => `app-${i + 1}`);
    await sb.apply(apps.map((name, i) => deployment(name, ROLL_WORKERS) + (i % 2 === 0 ? budget(name, '10%') : '')).join('\n') + daemonSet('agent'));
    for (const name of apps) await sb.kubectl('rollout', 'status', `deployment/${name}`, '--timeout=900s');
    await sb.kubectl('rollout', 'status', 'daemonset/agent', '--timeout=900s');
    const nodes = (await sb.kubectl('get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}')).stdout.trim().split(' ');
    const pods = Number((await sb.kubectl('get', 'pods', '-A', '--no-headers')).stdout.trim().split('\n').length);
    console.log(`  ${nodes.length} nodes, ${pods} pods`);

    await setKubelets(sb, nodes, 'v1.36.3');
    const journal = path.join(sb.dir, 'journal');
    // Through time(1), for bosun's own CPU seconds: on 2 cores, what bosun burns the API server cannot use.
    const rollArgs = [
      BOSUN,
      'upgrade',
      'nodes',
      '--yes',
      '--max-unavailable',
      '10%',
      '--journal-dir',
      journal,
      '--kubeconfig',
      sb.kubeconfig,
      '--inventory',
      sb.inventory,
    ];
    const roll = await run('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, ...rollArgs], { allowFail: true });
    if (roll.code !== 0) throw new Error(`bosun upgrade nodes failed:\n${roll.stdout.slice(-3000)}\n${roll.stderr}`);
    const rollRequests = Number(/(\d+) API request\(s\) by this process/.exec(roll.stdout)?.[1]);
    const [, user, system] = /cpu ([\d.]+) ([\d.]+)/.exec(roll.stderr) ?? [];
    const evicted = Number(/; (\d+) pod\(s\) evicted/.exec(roll.stdout)?.[1]);
    console.log(`  bosun: ${evicted} pods evicted (${(evicted / (roll.ms / 1000)).toFixed(1)}/s), ${(Number(user) + Number(system)).toFixed(1)} CPU seconds`);

    // The baseline: the same nodes drained and uncordoned one after another with kubectl.
    let baselineMs = 0;
    let baselineRequests = 0;
    for (const node of nodes) {
      for (const args of [
        ['drain', node, '--ignore-daemonsets'],
        ['uncordon', node],
      ]) {
        const r = await run(sb.kubectlBin, ['--kubeconfig', sb.kubeconfig, ...args, '-v=6']);
        baselineMs += r.ms;
        baselineRequests += (r.stderr.match(/"Response" verb=/g) ?? []).length;
      }
    }
    const ratio = roll.ms / baselineMs;
    table(
      [`rolling ${nodes.length} nodes × ${PODS_PER_WORKER} pods`, 'wall time', 'API requests per node', 'verdict'],
      [
        ['kubectl drain + uncordon, node after node', `${(baselineMs / 1000).toFixed(1)} s`, (baselineRequests / nodes.length).toFixed(1), ''],
        [
          'bosun upgrade nodes --max-unavailable 10%',
          `${(roll.ms / 1000).toFixed(1)} s`,
          (rollRequests / nodes.length).toFixed(1),
          `ratio ${ratio.toFixed(3)}; target ≤ ${TARGET_ROLL_RATIO}: ${ratio <= TARGET_ROLL_RATIO ? 'met' : 'MISSED'}`,
        ],
      ],
    );
  } finally {
    await sb.down();
  }
}

export const drainSection = {
  name: 'drain',
  title: 'drain one node of 200 pods, and roll 200 nodes × 20 pods: bosun vs kubectl drain (sandbox: etcd without fsync, controllers at 300 qps)',
  async run() {
    await drainPart();
    await rollPart();
  },
};
