// Wall time to a Ready cluster of 3 control-plane nodes and 6 workers on fresh sandbox machines (`bosun sandbox
// hosts`: sshd, systemctl, no kubelet), made two ways on the same kind of hosts, each on its own fresh set:
// - `bosun apply` once: kubelets installed in parallel, init, the control planes joined one at a time, the workers
//   joined in parallel (--parallel at its default, 8);
// - the manual way, one host after another: init on the first control-plane host, then one join per host, each
//   waited for before the next. The sandbox's machines run no node binary of their own (a busybox chroot behind
//   sshd), so `bosun init` and `bosun join` cannot be typed on them: each step is `bosun apply --parallel 1` on the
//   cluster file grown by that one host, which runs init's and join's phases over SSH as the single commands
//   would, plus the reaching of every host named so far (what an operator's ssh to each machine costs too).
// Both end with every Node Ready; the figure is the ratio of the two median wall times (target: at most 0.4).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { BOSUN, bosun, run, seconds, table } from '../lib.mjs';

const CONTROL_PLANES = 3;
const WORKERS = 6;
const VERSION = 'v1.36.3';
const TARGET_RATIO = 0.4;
/** Rounds of both ways; the medians are compared (a 2-core machine's load moves a single run a lot). */
const ROUNDS = Number(process.env.BENCH_APPLY_ROUNDS ?? 3);

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

const applyArgs = (file, knownHosts, ...more) => ['apply', '-f', file, '--known-hosts', knownHosts, '--yes', ...more];

/**
 * Where apply's time went, from its --progress=json events: for each kind of step, from the first one's start to
 * the last one's end (the kubelets and the workers' joins run side by side, the control planes' one at a time).
 */
function stepSpans(stderr, doc) {
  const role = new Map(doc.spec.hosts.map((h) => [h.name, h.role]));
  const spans = new Map();
  for (const line of stderr.split('\n').filter((l) => l.startsWith('{'))) {
    const event = JSON.parse(line);
    const [, host, step] = /^node\/([^/]+)\/([^/]+)$/.exec(event.path) ?? [];
    if (!step || (event.type !== 'started' && event.type !== 'finished')) continue;
    const kind = step === 'join' ? `${role.get(host)} joins` : step;
    const span = spans.get(kind) ?? { from: Infinity, to: -Infinity };
    spans.set(kind, { from: Math.min(span.from, event.at), to: Math.max(span.to, event.at) });
  }
  return [...spans].map(([kind, { from, to }]) => `${kind} ${((to - from) / 1000).toFixed(1)} s`).join(', ');
}

/** `bosun apply` once on every host, --parallel at its default. */
async function allAtOnce({ clusterFile, knownHosts, doc }) {
  const { ms, stderr } = await run(process.execPath, [BOSUN, ...applyArgs(clusterFile, knownHosts, '--progress=json')]);
  console.log(`  bosun apply's steps: ${stepSpans(stderr, doc)}`);
  return ms;
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
    ms += await bosun(applyArgs(file, knownHosts, '--parallel', '1'));
  }
  return ms;
}

const WAYS = [
  ['bosun apply (parallel joins)', allAtOnce],
  ['init, then one join after another', oneAfterAnother],
];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export const applySection = {
  name: 'apply',
  title: `a Ready ${CONTROL_PLANES} + ${WORKERS} cluster on fresh machines: one bosun apply (parallel joins) against init, then one join after another`,
  async run() {
    const times = WAYS.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      // The order turns each round: a load that comes and goes hits both ways alike.
      for (const i of round % 2 ? [1, 0] : [0, 1]) {
        const [way, make] = WAYS[i];
        const hosts = await freshHosts();
        try {
          console.log(`  round ${round + 1}, ${way}: ${CONTROL_PLANES + WORKERS} fresh hosts made in ${seconds(hosts.ms)} (not counted)`);
          times[i].push(await make(hosts));
        } finally {
          await down(hosts.dir);
        }
      }
    }
    table(
      ['way', 'to every Node Ready (median)', 'each round'],
      WAYS.map(([way], i) => [way, seconds(median(times[i])), times[i].map(seconds).join(', ')]),
    );
    const ratio = median(times[0]) / median(times[1]);
    console.log(`  apply / manual: ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`);
  },
};
