// Wall time to a Ready cluster of 3 control-plane nodes and 6 workers on fresh sandbox machines (`bosun sandbox
// hosts`: sshd, systemctl, no kubelet), made two ways on the same kind of hosts, each on its own fresh set:
// - `bosun apply` once: kubelets installed in parallel, init, the control planes joined one at a time, the workers
//   joined in parallel (--parallel 6);
// - the manual way, one host after another: init on the first control-plane host, then one join per host, each
//   waited for before the next. The sandbox's machines run no node binary of their own (a busybox chroot behind
//   sshd), so `bosun init` and `bosun join` cannot be typed on them: each step is `bosun apply --parallel 1` on the
//   cluster file grown by that one host, which runs init's and join's phases over SSH as the single commands
//   would, plus the reaching of every host named so far (what an operator's ssh to each machine costs too).
// Both end with every Node Ready; the figure is the ratio of the two wall times (target: at most 0.4).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { bosun, run, seconds, table, BOSUN } from '../lib.mjs';

const CONTROL_PLANES = 3;
const WORKERS = 6;
const VERSION = 'v1.36.3';
const TARGET_RATIO = 0.4;

/** A fresh set of machines in a temp dir; resolves with its paths and the cluster file's document. */
async function freshHosts() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bosun-bench-apply-'));
  const { ms } = await run(process.execPath, [
    BOSUN,
    'sandbox',
    'hosts',
    String(CONTROL_PLANES + WORKERS),
    '--control-planes',
    String(CONTROL_PLANES),
    '--dir',
    dir,
    '--version',
    VERSION,
  ]);
  const clusterFile = path.join(dir, 'cluster.yaml');
  return { dir, ms, clusterFile, knownHosts: path.join(dir, 'ssh', 'known_hosts'), doc: parse(await readFile(clusterFile, 'utf8')) };
}

async function down(dir) {
  await bosun(['sandbox', 'down', '--dir', dir, '--purge']).catch((err) => console.error(err.message));
  await rm(dir, { recursive: true, force: true });
}

const applyArgs = (file, knownHosts, parallel) => ['apply', '-f', file, '--known-hosts', knownHosts, '--yes', '--parallel', String(parallel)];

/** `bosun apply` once on every host. */
async function allAtOnce({ clusterFile, knownHosts }) {
  return bosun(applyArgs(clusterFile, knownHosts, WORKERS));
}

/** The first control-plane host's init, then one host's join after another: the cluster file grown by one host each time. */
async function oneAfterAnother({ dir, doc, knownHosts }) {
  const hosts = doc.spec.hosts;
  // init runs on the first control-plane host named: it leads.
  const ordered = [...hosts.filter((h) => h.role === 'control-plane'), ...hosts.filter((h) => h.role !== 'control-plane')];
  let ms = 0;
  for (let i = 1; i <= ordered.length; i++) {
    const file = path.join(dir, `cluster-${i}.yaml`);
    await writeFile(file, stringify({ ...doc, spec: { ...doc.spec, hosts: ordered.slice(0, i) } }));
    ms += await bosun(applyArgs(file, knownHosts, 1));
  }
  return ms;
}

export const applySection = {
  name: 'apply',
  title: `a Ready ${CONTROL_PLANES} + ${WORKERS} cluster on fresh machines: one bosun apply (parallel joins) against init, then one join after another`,
  async run() {
    const rows = [];
    for (const [way, make] of [
      ['bosun apply (parallel joins)', allAtOnce],
      ['init, then one join after another', oneAfterAnother],
    ]) {
      const hosts = await freshHosts();
      try {
        console.log(`  ${way}: ${CONTROL_PLANES + WORKERS} fresh hosts made in ${seconds(hosts.ms)} (not counted)`);
        rows.push([way, await make(hosts)]);
      } finally {
        await down(hosts.dir);
      }
    }
    const [[, applyMs], [, manualMs]] = rows;
    const ratio = applyMs / manualMs;
    table(
      ['way', 'to every Node Ready'],
      rows.map(([way, ms]) => [way, seconds(ms)]),
    );
    console.log(`  apply / manual: ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`);
  },
};
