// 50 simulated workers joining a sandbox in parallel with the real `bosun join`: from the join commands to every
// Node Ready. The sandbox's node agent plays each kubelet's TLS bootstrap; the real controller-manager signs.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BOSUN, table } from '../lib.mjs';

const WORKERS = 50;
/** The bounded pool the second run uses. */
const POOL = 8;
/** The brief's target on a 2-core machine. */
const TARGET_JOINS_PER_SECOND = 10;

/** Runs bosun, returning its stdout; rejects with its output on failure. */
function bosunOut(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BOSUN, ...args], { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bosun ${args.join(' ')} exited ${code}:\n${(out + err).trim().slice(-3000)}`))));
  });
}

const lastTimings = (out) => JSON.parse(out.trim().split('\n').at(-1)).sandbox;

/** CPU seconds a process has used so far (utime + stime of /proc/<pid>/stat, 100 ticks a second). */
async function cpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export const joinSection = {
  name: 'join',
  title: `${WORKERS} simulated workers joining a sandbox in parallel (bosun token create --print-join-command, then bosun join each)`,
  async run() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bosun-bench-join-'));
    try {
      const up = lastTimings(await bosunOut(['sandbox', 'up', '--dir', dir, '--workers', '0', '--timings']));
      console.log(`  sandbox up: ${up.total.toFixed(1)} s (not counted)`);
      const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8'));
      const agent = state.processes.find((p) => p.name === 'agent');
      const rows = [];
      // All at once, then a bounded pool (fewer processes fighting over 2 cores), on the same cluster.
      for (const parallel of [WORKERS, POOL]) {
        const agentBefore = await cpuSeconds(agent.pid);
        const joined = lastTimings(
          await bosunOut(['sandbox', 'join', '--dir', dir, '--workers', String(WORKERS), '--parallel', String(parallel), '--timings']),
        );
        const agentCpu = (await cpuSeconds(agent.pid)) - agentBefore;
        const wall = joined['join/workers-ready'];
        const rate = WORKERS / wall;
        rows.push([
          `${WORKERS} (${parallel} at a time)`,
          `${joined['join/workers-joined'].toFixed(2)} s`,
          `${wall.toFixed(2)} s`,
          rate.toFixed(1),
          `${joined['join/cpu-per-worker-join'].toFixed(3)} s`,
          `${(agentCpu / WORKERS).toFixed(3)} s`,
          `target ≥ ${TARGET_JOINS_PER_SECOND}/s: ${rate >= TARGET_JOINS_PER_SECOND ? 'met' : 'MISSED'}`,
        ]);
      }
      table(['workers', 'joins done', 'all Nodes Ready', 'joins/s', 'bosun join CPU per join', 'agent CPU per join', 'verdict'], rows);
    } finally {
      await bosunOut(['sandbox', 'down', '--dir', dir, '--purge']).catch((err) => console.error(err.message));
      await rm(dir, { recursive: true, force: true });
    }
  },
};
