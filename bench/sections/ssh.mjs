// The kubelet binary pushed to 20 sandbox machines (each node's sshd, chrooted into its rootfs) and the kubelet
// restarted: bosun's SSH executor (bench/ssh/bosun-push.ts: SshPool and SshHost, as `upgrade nodes` uses them)
// side by side with Debian's ansible (bench/ssh/ansible-push.yml), interleaved on the same hosts, both PARALLEL
// hosts at a time. Every run is checked on the nodes' disks and in the logs of their sshd and of the node agent.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { BOSUN, BOSUN_CACHE, REPO, run, seconds, table } from '../lib.mjs';

const WORKERS = 20;
/** Hosts worked on at once by both: `upgrade nodes --parallel`'s default, ansible's forks. */
const PARALLEL = 8;
/**
 * Runs of each tool, interleaved, the order rotated each round (the first run after `sandbox up` meets a busier
 * machine): load from other work hits every tool alike, and the median of each tool's runs is compared.
 */
const ROUNDS = 3;
const GOAL_RATIO = 0.5;
/** The sandbox's kubelet, and the one pushed. */
const FROM = 'v1.36.3';
const TO = 'v1.37.1';

const cachedKubelet = (version) => path.join(BOSUN_CACHE, 'bin', 'kubernetes', version, 'kubelet');
const ANSIBLE_PLAYBOOK = '/usr/bin/ansible-playbook';
const ANSIBLE_UNCOMPRESSED = 'ansible, no -C';

/** bosun-push.ts as one ESM file, minified like dist/; ssh2 (native bindings loaded by require) stays in node_modules. */
async function bundleBosunPush(outfile) {
  const require = createRequire(import.meta.url);
  await build({
    entryPoints: [path.join(REPO, 'bench', 'ssh', 'bosun-push.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    banner: { js: "import { createRequire as __bosunRequire } from 'node:module'; const require = __bosunRequire(import.meta.url);" },
    // The bundle lives in a temp dir, away from node_modules: ssh2 is imported by its absolute path.
    plugins: [
      {
        name: 'ssh2-in-node-modules',
        setup: (b) => b.onResolve({ filter: /^ssh2(\/|$)/ }, (args) => ({ path: require.resolve(args.path), external: true })),
      },
    ],
    logLevel: 'warning',
  });
}

/** ansible's inventory from the sandbox's cluster file: the same addresses, user, key and known_hosts bosun uses. */
function ansibleInventory(hosts, knownHosts) {
  return stringify({
    nodes: {
      hosts: Object.fromEntries(hosts.map((h) => [h.name, { ansible_host: h.ssh.address, ansible_port: h.ssh.port }])),
      vars: {
        ansible_user: hosts[0].ssh.user,
        ansible_ssh_private_key_file: hosts[0].ssh.keyPath,
        ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
        // The chroot has no /etc/passwd: `~root`, ansible's default remote tmp, does not expand there.
        ansible_remote_tmp: '/tmp/.ansible/tmp',
      },
    },
  });
}

const count = (text, pattern) => text.split('\n').filter((line) => pattern.test(line)).length;

/** Per host: its kubelet file's inode, its sshd's accepted logins, the agent's kubelet restarts for it. */
async function snapshot(dir, hosts) {
  const agentLog = await readFile(path.join(dir, 'logs', 'agent', 'agent.log'), 'utf8').catch(() => '');
  return Promise.all(
    hosts.map(async (h) => ({
      inode: (await stat(path.join(dir, 'nodes', h.name, 'usr', 'bin', 'kubelet'))).ino,
      logins: count(await readFile(path.join(dir, 'logs', h.name, 'sshd.log'), 'utf8'), /^Accepted publickey for /),
      restarts: count(agentLog, new RegExp(`node ${h.name}: systemctl restart kubelet: exit 0$`)),
    })),
  );
}

/**
 * Fails unless every host's /usr/bin/kubelet was replaced (a new file: new inode) by exactly `binary` with mode
 * 0755 and its kubelet restarted once; returns the connections each host's sshd accepted during the run.
 */
async function checkRun(tool, dir, hosts, before, binary) {
  const after = await snapshot(dir, hosts);
  const problems = [];
  for (const [i, h] of hosts.entries()) {
    const file = path.join(dir, 'nodes', h.name, 'usr', 'bin', 'kubelet');
    const { mode } = await stat(file);
    if (after[i].inode === before[i].inode) problems.push(`${h.name}: /usr/bin/kubelet was not replaced`);
    else if (!(await readFile(file)).equals(binary)) problems.push(`${h.name}: /usr/bin/kubelet is not the ${TO} binary`);
    if ((mode & 0o7777) !== 0o755) problems.push(`${h.name}: /usr/bin/kubelet has mode ${(mode & 0o7777).toString(8)}, not 755`);
    if (after[i].restarts - before[i].restarts !== 1) problems.push(`${h.name}: ${after[i].restarts - before[i].restarts} kubelet restarts, not 1`);
  }
  if (problems.length) throw new Error(`${tool} did not do the job:\n  ${problems.join('\n  ')}`);
  return hosts.map((_, i) => after[i].logins - before[i].logins);
}

/** `a` when every value is a, else `a–b`. */
function spread(values) {
  const [min, max] = [Math.min(...values), Math.max(...values)];
  return min === max ? String(min) : `${min}–${max}`;
}

/** ansible's ControlPersist masters outlive the playbook by a minute: ended now, so no run shares another's. */
async function endControlMasters(controlDir) {
  for (const socket of await readdir(controlDir).catch(() => [])) {
    await run('ssh', ['-o', `ControlPath=${path.join(controlDir, socket)}`, '-O', 'exit', 'bench']).catch(() => undefined);
  }
}

/** ansible's default ssh_args without `-C`: its compression costs CPU that a fast link does not pay back. */
const UNCOMPRESSED_SSH_ARGS = '-o ControlMaster=auto -o ControlPersist=60s';

/** The contenders, in the order each round runs them: bosun, ansible as installed, ansible with compression off. */
function tools(dir, hosts, paths) {
  const hostList = hosts.map((h) => h.name).join(',');
  const playbook = path.join(REPO, 'bench', 'ssh', 'ansible-push.yml');
  const ansible = async (round, variant, extraEnv) => {
    const controlDir = path.join(dir, `ansible-cp-${round}-${variant}`);
    await mkdir(controlDir, { recursive: true });
    const env = {
      ANSIBLE_FORKS: String(PARALLEL),
      ANSIBLE_HOST_KEY_CHECKING: 'True',
      ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_RETRY_FILES_ENABLED: 'False',
      ...extraEnv,
    };
    try {
      const { ms } = await run(ANSIBLE_PLAYBOOK, ['-i', paths.ansibleInventory, '-e', `kubelet_binary=${cachedKubelet(TO)}`, playbook], { env, cwd: dir });
      return { ms };
    } finally {
      await endControlMasters(controlDir);
    }
  };
  return {
    async bosun() {
      const args = [paths.bundle, '--inventory', paths.cluster, '--known-hosts', paths.knownHosts, '--binary', cachedKubelet(TO)];
      const { ms, stdout } = await run(process.execPath, [...args, '--hosts', hostList, '--parallel', String(PARALLEL)]);
      const report = JSON.parse(stdout.trim().split('\n').at(-1));
      return { ms, dials: Object.values(report.dials), connectMs: report.connectMs, pushMs: report.pushMs };
    },
    ansible: (round) => ansible(round, 'default', {}),
    [ANSIBLE_UNCOMPRESSED]: (round) => ansible(round, 'uncompressed', { ANSIBLE_SSH_ARGS: UNCOMPRESSED_SSH_ARGS }),
  };
}

/** The sandbox's workers that are SSH hosts, from its cluster file. */
async function sshWorkers(cluster) {
  const doc = parse(await readFile(cluster, 'utf8'));
  return doc.spec.hosts.filter((h) => h.role === 'worker' && h.ssh).slice(0, WORKERS);
}

function missingTools() {
  const missing = [FROM, TO].map(cachedKubelet).filter((file) => !existsSync(file));
  if (!existsSync(ANSIBLE_PLAYBOOK)) missing.push(`${ANSIBLE_PLAYBOOK} (apt-get install ansible)`);
  return missing;
}

async function measure(dir, sandbox, hosts, paths) {
  const binary = await readFile(cachedKubelet(TO));
  const byTool = tools(dir, hosts, paths);
  const results = [];
  const names = Object.keys(byTool);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const tool of names.map((_, i) => names[(i + round - 1) % names.length])) {
      const before = await snapshot(sandbox, hosts);
      const result = await byTool[tool](round);
      results.push({ round, tool, ...result, logins: await checkRun(tool, sandbox, hosts, before, binary) });
    }
  }
  return results;
}

function report(results, hosts) {
  table(
    ['run', 'tool', 'wall', 'reach + verify', 'push + restart', 'connections per host (sshd logins)', 'SshPool.dials() per host'],
    results.map((r) => [r.round, r.tool, seconds(r.ms), seconds(r.connectMs), seconds(r.pushMs), spread(r.logins), r.dials ? spread(r.dials) : '—']),
  );
  const wall = (tool, round) => results.find((r) => r.tool === tool && r.round === round).ms;
  const median = (tool) =>
    results
      .filter((r) => r.tool === tool)
      .map((r) => r.ms)
      .sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
  for (const other of ['ansible', ANSIBLE_UNCOMPRESSED]) {
    const ratios = Array.from({ length: ROUNDS }, (_, i) => (wall('bosun', i + 1) / wall(other, i + 1)).toFixed(2));
    const ratio = median('bosun') / median(other);
    const verdict = `goal ≤ ${GOAL_RATIO}: ${ratio <= GOAL_RATIO ? 'met' : 'MISSED'}`;
    const name = other === 'ansible' ? 'ansible (as installed)' : other;
    console.log(
      `  bosun/${name}: median ${seconds(median('bosun'))} / ${seconds(median(other))} = ${ratio.toFixed(2)} (runs: ${ratios.join(', ')}) — ${verdict}`,
    );
  }
  const bosunRuns = results.filter((r) => r.tool === 'bosun');
  const one = bosunRuns.every((r) => r.dials.length === hosts.length && r.dials.every((d) => d === 1) && r.logins.every((n) => n === 1));
  const dials = spread(bosunRuns.flatMap((r) => r.dials));
  console.log(`  bosun connections per host: ${dials} (SshPool.dials(), ${hosts.length} hosts, sshd agrees) — goal one: ${one ? 'met' : 'MISSED'}`);
}

export const sshSection = {
  name: 'ssh',
  title: `the ${TO} kubelet pushed to ${WORKERS} sandbox SSH hosts and the kubelet restarted: bosun's SSH executor vs ansible, ${PARALLEL} hosts at a time`,
  async run() {
    const missing = missingTools();
    if (missing.length) return console.log(`  skipped: missing ${missing.join(', ')} (bosun sandbox binaries --version ${FROM}, and ${TO})`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bosun-bench-ssh-'));
    const sandbox = path.join(dir, 'sandbox');
    try {
      const up = await run(process.execPath, [BOSUN, 'sandbox', 'up', '--dir', sandbox, '--version', FROM, '--workers', String(WORKERS), '--timings']);
      const upTimings = JSON.parse(up.stdout.trim().split('\n').at(-1)).sandbox;
      const paths = {
        cluster: path.join(sandbox, 'cluster.yaml'),
        knownHosts: path.join(sandbox, 'ssh', 'known_hosts'),
        bundle: path.join(dir, 'bosun-push.mjs'),
        ansibleInventory: path.join(dir, 'hosts.yml'),
      };
      const hosts = await sshWorkers(paths.cluster);
      const size = (await stat(cachedKubelet(TO))).size;
      console.log(`  sandbox up (${FROM}, ${WORKERS} workers): ${upTimings.total.toFixed(1)} s (not counted); ${hosts.length} workers have an SSH machine`);
      if (hosts.length < WORKERS) console.log(`  NOTE: the sandbox gave ${hosts.length} machines, not ${WORKERS}: the figures are for ${hosts.length} hosts`);
      const ansibleVersion = (await run(ANSIBLE_PLAYBOOK, ['--version'])).stdout.split('\n')[0];
      console.log(`  pushed: ${cachedKubelet(TO)} (${(size / 1e6).toFixed(1)} MB) to /usr/bin/kubelet, mode 0755, then the kubelet restarted`);
      console.log(
        `  bosun: bench/ssh/bosun-push.ts — SshPool.connectAll, then SshHost.writeFileAtomic (SFTP to a temp file beside it, fsync, rename) and service('kubelet').restart()`,
      );
      console.log(
        `  ansible: ${ansibleVersion}, bench/ssh/ansible-push.yml, forks ${PARALLEL}, its default ssh_args (-C, ControlMaster, ControlPersist). ` +
          'The nodes have no Python, so copy/command/systemd cannot run: script (SFTP to its remote tmp, chmod 0755, mv into /usr/bin) and raw systemctl restart. ' +
          `"${ANSIBLE_UNCOMPRESSED}": the same with ANSIBLE_SSH_ARGS="${UNCOMPRESSED_SSH_ARGS}"`,
      );
      await bundleBosunPush(paths.bundle);
      await writeFile(paths.ansibleInventory, ansibleInventory(hosts, paths.knownHosts));
      report(await measure(dir, sandbox, hosts, paths), hosts);
    } finally {
      await run(process.execPath, [BOSUN, 'sandbox', 'down', '--dir', sandbox, '--purge']).catch((err) => console.error(err.message));
      await rm(dir, { recursive: true, force: true });
    }
  },
};
