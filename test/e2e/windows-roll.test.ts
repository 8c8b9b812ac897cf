/**
 * Windows workers through bosun's own flows, end to end: fresh sandbox machines (`sandbox hosts --windows`: a `C:`
 * drive in the rootfs, PowerShell over SSH, containerd.exe as a service) prepared and joined by `bosun apply`, their
 * kwok-backed Nodes registering as kubernetes.io/os=windows at the version of the kubelet.exe on their disks; then
 * the control plane upgraded and one mixed roll of Linux and Windows workers (`--windows-max-unavailable 1`) killed
 * with SIGKILL while a Windows node is mid-upgrade, and resumed to the end: kubelet.exe swapped, the old one kept,
 * budgets honoured, every node cordoned and uncordoned once.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { isNodeReady, type Node } from '../../src/kube/workloads.js';
import type { RollJournal } from '../../src/roll/journal/journal.js';
import { artifactDir, kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { windowsBinaryPath } from '../../src/sandbox/windows-binaries.js';
import { budgetWatcher } from '../support/budget-watcher.js';
import { journalOf, rollAndKillWhen, transitions, webUnderBudget, type CM } from '../support/roll-crash.js';
import { BOSUN, bosun, runCommand, type CliResult } from '../support/sandbox.js';
import { cachedKubelet, nodeReports, sha256 } from '../support/ssh-roll.js';

const OLD = 'v1.36.3';
const NEW = 'v1.37.1';
const LINUX = ['control-plane', 'worker-1'];
const WINDOWS = ['worker-2', 'worker-3'];
const NODES = [...LINUX, ...WINDOWS];
const LONG = 900_000;
const WAIT = '--timeout=180s';

let dir: string;
let cluster: Cluster;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-windows-roll-'));
const paths = () => sandboxPaths(dir);
const adminConf = () => path.join(paths().nodeRoot('control-plane'), 'etc/kubernetes/admin.conf');
const kubectl = (...args: string[]) => runCommand([path.join(artifactDir(kubernetesArtifact(OLD)), 'kubectl'), '--kubeconfig', adminConf(), ...args]);
const drive = (node: string, ...parts: string[]) => path.join(paths().nodeRoot(node), 'C:', ...parts);
const digest = (file: string) => sha256(readFileSync(file));
const failed = (r: CliResult) => `exit ${r.code}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`;
const apply = (...args: string[]) => bosun('apply', '-f', paths().cluster, '--known-hosts', paths().knownHosts, ...args);
const rollArgs = () => [
  'upgrade',
  'nodes',
  '--kubeconfig',
  adminConf(),
  '--inventory',
  paths().cluster,
  '--known-hosts',
  paths().knownHosts,
  '--journal-dir',
  path.join(scratch, 'journal'),
];

async function kubectlOk(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The most Windows nodes cordoned at once, from one watch of the Nodes. */
function windowsOutAtOnce(c: Cluster) {
  const controller = new AbortController();
  const cordoned = new Set<string>();
  const seen = { max: 0 };
  const watching = c.watch<Node>(
    'v1',
    'Node',
    {},
    (e) => {
      for (const node of e.type === 'LISTED' ? e.items : e.type === 'DELETED' ? [] : [e.object]) {
        if (!WINDOWS.includes(node.metadata.name)) continue;
        if (node.spec?.unschedulable) cordoned.add(node.metadata.name);
        else cordoned.delete(node.metadata.name);
      }
      seen.max = Math.max(seen.max, cordoned.size);
    },
    controller.signal,
  );
  return {
    seen,
    async stop() {
      controller.abort();
      await watching;
    },
  };
}

/** A Windows node mid-upgrade: its kubelet service stopped by the roll, the node not uncordoned yet. */
const windowsKubeletStopped = (j: RollJournal) => WINDOWS.some((n) => j.nodes[n]?.steps.some((s) => s.name === 'kubelet-stop' && s.state === 'done'));

describe('Windows workers: bosun apply, then a mixed roll killed and resumed', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-windows-'));
    const made = await bosun('sandbox', 'hosts', String(NODES.length), '--windows', String(WINDOWS.length), '--dir', dir, '--version', OLD);
    expect(made.code, failed(made)).toBe(0);
  }, LONG);

  afterAll(async () => {
    if (dir && existsSync(dir)) await bosun('sandbox', 'down', '--dir', dir, '--purge');
  });

  it(`prepares and joins the Windows hosts: Ready, kubernetes.io/os=windows, kubelet ${OLD} from C:\\k\\kubelet.exe`, { timeout: LONG }, async () => {
    const result = await apply('--yes');
    expect(result.code, failed(result)).toBe(0);
    for (const name of WINDOWS) expect(result.stdout, name).toMatch(new RegExp(`\\n${name} +worker +prepare Windows \\(kubelet\\.exe ${OLD}\\)`));

    cluster = await clusterFromKubeconfig(readFileSync(adminConf(), 'utf8'), { source: adminConf() });
    const nodes = new Map((await cluster.list<Node>('v1', 'Node')).map((n) => [n.metadata.name, n]));
    expect([...nodes.keys()].sort()).toEqual([...NODES].sort());
    for (const [name, node] of nodes) {
      expect(isNodeReady(node), name).toBe(true);
      expect(node.status?.nodeInfo?.kubeletVersion, name).toBe(OLD);
      expect(node.metadata.labels?.['kubernetes.io/os'], name).toBe(WINDOWS.includes(name) ? 'windows' : 'linux');
    }
    // What each Windows Node reports is the kubelet.exe bosun put on its disk, a real Windows build of that version.
    for (const name of WINDOWS) {
      expect(digest(drive(name, 'k/kubelet.exe')), name).toBe(digest(windowsBinaryPath('kubelet.exe', OLD)));
      expect(existsSync(drive(name, 'var/lib/kubelet/pki/kubelet-client-current.pem')), name).toBe(true);
      expect(existsSync(path.join(paths().nodeRoot(name), 'usr/bin/kubelet')), name).toBe(false);
    }

    const again = await apply('--yes');
    expect(again.code, failed(again)).toBe(0);
    expect(again.stdout).toContain('nothing to do');
  });

  it(`rolls Linux and Windows workers to ${NEW} in one journal, killed mid-upgrade of a Windows node and resumed`, { timeout: LONG }, async () => {
    // The Windows pod network first (the roll checks it), so the control plane's upgrade moves its DaemonSets too.
    const flannel = await bosun('addon', 'install', 'flannel', '--windows', '--kubeconfig', adminConf());
    expect(flannel.code, failed(flannel)).toBe(0);
    const state = JSON.parse(readFileSync(paths().state, 'utf8')) as SandboxState;
    const netns = state.nodes.find((n) => n.name === 'control-plane')!.network!.netns;
    const upgrade = await runCommand([
      'ip',
      'netns',
      'exec',
      netns,
      process.execPath,
      BOSUN,
      'upgrade',
      'apply',
      NEW,
      '--yes',
      '--rootfs',
      paths().nodeRoot('control-plane'),
    ]);
    expect(upgrade.code, failed(upgrade)).toBe(0);
    expect(
      await kubectlOk('-n', 'kube-system', 'get', 'daemonset', 'kube-proxy-windows', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
    ).toContain(NEW);

    const apps = path.join(scratch, 'web.yaml');
    writeFileSync(apps, webUnderBudget(8));
    await kubectlOk('apply', '-f', apps);
    await kubectlOk('rollout', 'status', 'deployment/web', WAIT);
    await kubectlOk('wait', 'pdb', 'web', '--for=jsonpath={.status.disruptionsAllowed}=1', WAIT);

    const budgets = budgetWatcher(cluster, ['web']);
    const seen = transitions(cluster);
    const windowsOut = windowsOutAtOnce(cluster);
    await Promise.all([budgets.listed, seen.listed]);
    const started = Date.now();
    const run = await rollAndKillWhen(cluster, [...rollArgs(), '--yes', '--max-unavailable', '2', '--windows-max-unavailable', '1'], windowsKubeletStopped);
    const killedAfter = Date.now() - started;
    expect(run.killed, run.output).toBe(true);
    const stoppedAt = WINDOWS.find((n) => run.at!.nodes[n].steps.some((s) => s.name === 'kubelet-stop' && s.state === 'done'))!;
    // Killed between the kubelet's stop and its uncordon: the node is cordoned, kubelet.exe.new pushed.
    expect((await nodeReports(cluster)).cordoned).toContain(stoppedAt);
    const resumed = await bosun(...rollArgs(), '--resume');
    console.info(`windows roll: killed after ${killedAfter} ms (${stoppedAt}'s kubelet stopped); resumed in ${Date.now() - started - killedAfter} ms`);
    await Promise.all([budgets.stop(), seen.stop(), windowsOut.stop()]);
    expect(resumed.code, `${run.output}\n--- resume:\n${failed(resumed)}`).toBe(0);

    const reports = await nodeReports(cluster);
    expect(reports.versions).toEqual(Object.fromEntries(NODES.map((n) => [n, NEW])));
    expect(reports.cordoned).toEqual([]);
    expect(seen.cordons).toEqual(Object.fromEntries(NODES.map((n) => [n, 1])));
    expect(seen.uncordons).toEqual(Object.fromEntries(NODES.map((n) => [n, 1])));
    expect(windowsOut.seen.max).toBe(1);
    expect(budgets.evictions.web).toBeGreaterThan(0);
    expect(budgets.maxOutstanding.web).toBeLessThanOrEqual(1);
    expect(Math.min(...Object.values(budgets.minAllowed))).toBeGreaterThanOrEqual(0);
    const journal = journalOf(await cluster.get<CM>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'bosun-node-roll' }))!;
    expect(journal.state).toBe('done');
    expect(Object.values(journal.nodes).map((n) => [n.name, n.os])).toEqual(expect.arrayContaining(WINDOWS.map((n) => [n, 'windows'])));

    // On the disks: the new binaries, and each Windows node's old kubelet.exe kept for a rollback.
    for (const name of LINUX) expect(digest(path.join(paths().nodeRoot(name), 'usr/bin/kubelet')), name).toBe(digest(cachedKubelet(NEW)));
    for (const name of WINDOWS) {
      // The swap, said under the node's name by the run that did it (the resumed run finds it done if the kill came after).
      const swap = `  ${name}: [upgrade/kubelet] C:\\k\\kubelet.exe `;
      const said = [`${swap}is ${NEW}; the old one kept as C:\\k\\kubelet.exe.${OLD}`, `${swap}already is ${NEW}`];
      expect(
        said.some((line) => `${run.output}${resumed.stdout}`.includes(line)),
        `${name}:\n${run.output}\n${resumed.stdout}`,
      ).toBe(true);
      expect(digest(drive(name, 'k/kubelet.exe')), name).toBe(digest(windowsBinaryPath('kubelet.exe', NEW)));
      expect(digest(drive(name, `k/kubelet.exe.${OLD}`)), name).toBe(digest(windowsBinaryPath('kubelet.exe', OLD)));
      expect(existsSync(drive(name, 'k/kubelet.exe.new')), name).toBe(false);
    }
    const again = await bosun(...rollArgs(), '--yes');
    expect(again.stdout).toContain(`Nothing to do: every node's kubelet runs ${NEW}`);
  });
});
