// `bosun migrate runtime --to containerd` on 20 Docker workers of a sandbox (each an SSH machine with dockerd,
// Docker's containerd and cri-dockerd's socket in its kubelet files), --max-unavailable 25%: total wall time and the
// API requests per node it reports. Beside it, the upstream guide's steps ("Changing the container runtime on a node
// from Docker Engine to containerd") typed by an operator, one node after another: kubectl drain, then over ssh stop
// the kubelet, disable Docker and cri-dockerd, write containerd's default config (CRI on, cgroupfs as these kubelets), point the kubelet's instance-config.yaml and config.yaml at containerd, start both; kubectl
// wait Ready, kubectl uncordon. That baseline runs on a sample of SAMPLE nodes of a second sandbox and is scaled to
// the 20 nodes (a serial migration's time grows with its nodes); BENCH_MIGRATE_SAMPLE=20 runs it whole.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { BOSUN, run, seconds, table } from '../lib.mjs';

const NODES = 20;
const SAMPLE = Number(process.env.BENCH_MIGRATE_SAMPLE ?? 4);
const VERSION = 'v1.36.3';
const CONTAINERD_SOCKET = 'unix:///run/containerd/containerd.sock';

/** A sandbox of `n` Docker workers joined by `bosun join`; resolves with its paths and its SSH cluster file's hosts. */
async function dockerSandbox(n) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bosun-bench-migrate-'));
  const started = performance.now();
  await run(process.execPath, [BOSUN, 'sandbox', 'up', '--dir', dir, '--version', VERSION, '--workers', '0']);
  await run(process.execPath, [BOSUN, 'sandbox', 'join', '--dir', dir, '--workers', String(n), '--runtime', 'docker']);
  const cluster = path.join(dir, 'cluster.yaml');
  const hosts = parse(await readFile(cluster, 'utf8')).spec.hosts;
  const kubeconfig = path.join(dir, 'nodes', 'control-plane', 'etc', 'kubernetes', 'admin.conf');
  return { dir, ms: performance.now() - started, cluster, hosts, kubeconfig, knownHosts: path.join(dir, 'ssh', 'known_hosts') };
}

async function down(dir) {
  await run(process.execPath, [BOSUN, 'sandbox', 'down', '--dir', dir, '--purge']).catch((err) => console.error(err.message));
  await rm(dir, { recursive: true, force: true });
}

/** bosun's migration of every worker; its wall time and API requests. */
async function withBosun(sb) {
  const { ms, stdout } = await run(process.execPath, [
    BOSUN,
    'migrate',
    'runtime',
    '--to',
    'containerd',
    '--yes',
    '--max-unavailable',
    '25%',
    '--kubeconfig',
    sb.kubeconfig,
    '--inventory',
    sb.cluster,
    '--known-hosts',
    sb.knownHosts,
    '--journal-dir',
    path.join(sb.dir, 'journal'),
  ]);
  const requests = Number(/(\d+) API request\(s\) by this process/.exec(stdout)?.[1]);
  return { ms, requests };
}

/** What an operator types on the node over ssh, per the upstream guide (containerd's default config: CRI on, cgroupfs like these kubelets). */
const onNodeScript = [
  'set -e',
  'systemctl stop kubelet',
  'systemctl disable --now docker.socket docker cri-docker.socket cri-docker',
  'containerd config default > /etc/containerd/config.toml',
  `sed -i 's#^containerRuntimeEndpoint:.*#containerRuntimeEndpoint: ${CONTAINERD_SOCKET}#' /var/lib/kubelet/instance-config.yaml /var/lib/kubelet/config.yaml`,
  'systemctl enable containerd',
  'systemctl restart containerd',
  'systemctl start kubelet',
].join('\n');

/** The guide's steps on each sampled node, one after another; resolves with the total wall time. */
async function byHand(sb, kubectl) {
  const k = (...args) => run(kubectl, ['--kubeconfig', sb.kubeconfig, ...args]);
  const started = performance.now();
  for (const host of sb.hosts.filter((h) => h.role !== 'control-plane')) {
    await k('drain', host.name, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=300s');
    const { address, keyPath } = host.ssh;
    await run('ssh', ['-i', keyPath, '-o', `UserKnownHostsFile=${sb.knownHosts}`, '-o', 'BatchMode=yes', `root@${address}`, onNodeScript]);
    await k('wait', '--for=condition=Ready', `node/${host.name}`, '--timeout=300s');
    await k('wait', `--for=jsonpath={.status.nodeInfo.containerRuntimeVersion}=containerd://1.6.20~ds1`, `node/${host.name}`, '--timeout=300s');
    await k('uncordon', host.name);
  }
  return performance.now() - started;
}

export const migrateSection = {
  name: 'migrate',
  title: `migrate runtime --to containerd on ${NODES} Docker nodes (--max-unavailable 25%) against the guide's steps one node after another`,
  async run() {
    const kubectl = path.join(process.env.BOSUN_CACHE || path.join(os.homedir(), '.cache', 'bosun'), 'bin', 'kubernetes', VERSION, 'kubectl');
    const big = await dockerSandbox(NODES);
    let bosun;
    try {
      console.log(`  ${NODES} Docker workers made in ${seconds(big.ms)} (not counted)`);
      bosun = await withBosun(big);
      console.log(`  bosun: ${seconds(bosun.ms)}, ${bosun.requests} API request(s)`);
    } finally {
      await down(big.dir);
    }
    const small = await dockerSandbox(SAMPLE);
    let sample;
    try {
      console.log(`  ${SAMPLE} Docker workers made in ${seconds(small.ms)} (not counted)`);
      sample = await byHand(small, kubectl);
    } finally {
      await down(small.dir);
    }
    const scaled = (sample / SAMPLE) * NODES;
    table(
      ['way', `${NODES} nodes`, 'per node', 'API requests per node'],
      [
        ['bosun migrate runtime (25%)', seconds(bosun.ms), seconds(bosun.ms / NODES), (bosun.requests / NODES).toFixed(1)],
        [`the guide by hand, serial (${SAMPLE} nodes, scaled)`, seconds(scaled), seconds(sample / SAMPLE), '—'],
      ],
    );
    console.log(`  bosun / by hand: ${(bosun.ms / scaled).toFixed(2)}`);
  },
};
