/**
 * `bosun apply` killed with SIGKILL (its whole process group) at random points of creating a cluster of one
 * control-plane host and two workers from fresh machines, and run again each time; the last run is not killed.
 * Then: one cluster (the CA made once, one etcd member), every host joined once (its kubelet.conf, once written,
 * never written again), every Node Ready, no bootstrap token and no journal left. The kill points come from a
 * seed printed in the test's name (CRASH_SEED repeats a run).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { EtcdClient } from '../../src/etcd/etcd.js';
import type { Secret } from '../../src/kube/objects.js';
import { isNodeReady, type Node } from '../../src/kube/workloads.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { parseYaml } from '../../src/util/yaml.js';
import { random, runAndKillAfter } from '../support/roll-crash.js';
import { bosun, type CliResult } from '../support/sandbox.js';

const VERSION = 'v1.36.3';
const HOSTS = ['control-plane', 'worker-1', 'worker-2'];
/** A host's phase line starts its line, after the plain renderer's `› ` (a step's log line). */
const LINE_START = '^(?:› )?';
/**
 * Where runs are killed: shortly after one of these lines, in the order a creation prints them. Each run resumes
 * the last one (an interrupted init redoes its phases, an interrupted join its own), so it prints them again.
 */
const INIT = [
  '\\[apply\\] The plan for',
  ...['certs', 'kubeconfig', 'etcd', 'control-plane', 'kubelet-start', 'control-plane-check', 'upload-config'].map(
    (phase) => `${LINE_START}\\[control-plane\\] \\[${phase}\\]`,
  ),
];
const JOIN = ['discovery', 'kubelet-start'].map((phase) => `${LINE_START}\\[worker-\\d\\] \\[${phase}\\]`);
/**
 * The last kill falls as a worker's kubelet starts: its TLS bootstrap, the rest of the join and the wait for Ready
 * still lie ahead. A later line leaves too little to kill in: a sandbox kubelet bootstraps within 150 ms.
 */
const LAST = `${LINE_START}\\[worker-\\d\\] \\[kubelet-start\\] Starting the kubelet`;
const WITHIN_LAST_MS = 50;
const WITHIN_MS = 200;
/** After the plan, installing the kubelets takes a few seconds: kills fall anywhere in it. */
const WITHIN_PLAN_MS = 2_000;

/** Ten kill points from the seed: seven in the kubelets' install and init, two in the joins, the last as a worker's kubelet starts. */
function killPoints(next: () => number): Array<{ line: string; delayMs: number }> {
  const pick = (lines: string[], n: number) =>
    Array.from({ length: n }, () => Math.floor(next() * lines.length))
      .sort((a, b) => a - b)
      .map((i) => lines[i]);
  return [...pick(INIT, 7), ...pick(JOIN, 2), LAST].map((line) => ({
    line,
    delayMs: Math.round(next() * (line === INIT[0] ? WITHIN_PLAN_MS : line === LAST ? WITHIN_LAST_MS : WITHIN_MS)),
  }));
}
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const LONG = 600_000;

const failed = (r: CliResult) => `exit ${r.code}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`;
const sha256 = (file: string) => (existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : undefined);
const lastLine = (output: string) => output.trimEnd().split('\n').at(-1) ?? '';

describe(`bosun apply killed at random points of creation and run again (seed ${SEED})`, () => {
  let dir: string;
  let args: string[];
  const nodeFile = (host: string, file: string) => path.join(sandboxPaths(dir).nodeRoot(host), file);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-apply-resume-'));
    const made = await bosun('sandbox', 'hosts', '3', '--dir', dir, '--version', VERSION);
    expect(made.code, failed(made)).toBe(0);
    args = ['apply', '-f', sandboxPaths(dir).cluster, '--known-hosts', sandboxPaths(dir).knownHosts, '--yes', '--parallel', '2'];
  }, LONG);

  afterAll(async () => {
    if (dir && existsSync(dir)) await bosun('sandbox', 'down', '--dir', dir, '--purge');
  }, LONG);

  it(
    'finishes the job: one cluster, every host joined once, one etcd member, no token or journal left',
    async () => {
      const next = random(SEED);
      // Once written, the cluster CA (init) and each host's kubelet.conf (its join) never change: nothing is done twice.
      const first = new Map<string, string>();
      const watched = [
        { what: 'the cluster CA', file: nodeFile('control-plane', 'etc/kubernetes/pki/ca.crt') },
        ...HOSTS.filter((h) => h !== 'control-plane').map((h) => ({ what: `${h}'s kubelet.conf`, file: nodeFile(h, 'etc/kubernetes/kubelet.conf') })),
      ];
      const checkOnce = (context: string) => {
        for (const { what, file } of watched) {
          const now = sha256(file);
          if (now && !first.has(what)) first.set(what, now);
          expect(now ?? first.get(what), `${what} after ${context}`).toBe(first.get(what));
        }
      };
      for (const [i, point] of killPoints(next).entries()) {
        const run = await runAndKillAfter(args, point.delayMs, new RegExp(point.line, 'm'));
        const context = `run ${i + 1} (seed ${SEED}, killed ${point.delayMs} ms after /${point.line}/)`;
        console.log(`${context}: ${run.killed ? `killed at: ${lastLine(run.output)}` : `exit ${run.code}: ${lastLine(run.output)}`}`);
        // Every kill point is one the creation reaches: a run that ended first is a test that killed less than it says.
        expect(run.killed, `${context}\n${run.output.slice(-6000)}`).toBe(true);
        checkOnce(context);
      }
      const last = await bosun(...args);
      expect(last.code, `the run after the kills (seed ${SEED}): ${failed(last)}`).toBe(0);
      checkOnce('the run after the kills');

      const kubeconfig = nodeFile('control-plane', 'etc/kubernetes/admin.conf');
      const cluster = await clusterFromKubeconfig(readFileSync(kubeconfig, 'utf8'), { source: kubeconfig });
      const nodes = await Promise.all(
        HOSTS.map((name) => cluster.watchUntil<Node>({ apiVersion: 'v1', kind: 'Node', name }, (n) => Boolean(n && isNodeReady(n)), LONG)),
      );
      expect((await cluster.list<Node>('v1', 'Node')).map((n) => n.metadata.name).sort()).toEqual(HOSTS);
      for (const node of nodes) expect(node && isNodeReady(node), node?.metadata.name).toBe(true);

      const pki = nodeFile('control-plane', 'etc/kubernetes/pki');
      const spec = parseYaml(readFileSync(sandboxPaths(dir).cluster, 'utf8')) as { spec: { hosts: Array<{ role: string; ssh: { address: string } }> } };
      const address = spec.spec.hosts.find((h) => h.role === 'control-plane')!.ssh.address;
      const etcd = new EtcdClient([`https://${address}:2379`], {
        ca: readFileSync(path.join(pki, 'etcd/ca.crt')),
        cert: readFileSync(path.join(pki, 'apiserver-etcd-client.crt')),
        key: readFileSync(path.join(pki, 'apiserver-etcd-client.key')),
      });
      expect((await etcd.memberList()).map((m) => [m.name, m.isLearner])).toEqual([['control-plane', false]]);

      const tokens = (await cluster.list<Secret>('v1', 'Secret', { namespace: 'kube-system' })).filter((s) => s.type === 'bootstrap.kubernetes.io/token');
      expect(tokens.map((s) => s.metadata.name)).toEqual([]);
      expect(await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'bosun-apply' })).toBeUndefined();
      expect(existsSync(nodeFile('control-plane', 'etc/kubernetes/tmp/bosun-apply.json'))).toBe(false);
    },
    LONG,
  );
});
