// Helpers every bench section uses: run a command and time it, temp dirs, result tables.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const BOSUN = path.join(REPO, 'bin', 'bosun.js');
/** Where the sandbox keeps the binaries it built ($BOSUN_CACHE, else ~/.cache/bosun). */
export const BOSUN_CACHE = process.env.BOSUN_CACHE || path.join(os.homedir(), '.cache', 'bosun');

/** Runs a command to completion; resolves with its wall time in ms, its stdout and stderr, rejects with its output when it fails. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, CI: 'true', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (d) => ((stdout += d), (output += d)));
    child.stderr.on('data', (d) => ((stderr += d), (output += d)));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${output.trim()}`));
    });
  });
}

/** Runs a command to completion; resolves with its wall time in ms, rejects with its output when it fails. */
export const timed = (cmd, args, opts) => run(cmd, args, opts).then((r) => r.ms);

/** `bosun <args>` through the compiled CLI, as a user runs it. */
export const bosun = (args, opts) => timed(process.execPath, [BOSUN, ...args], opts);

/** The best (smallest) of `runs` timings of `once()`, each given a fresh temp dir that is removed afterwards. */
export async function bestOf(runs, once) {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bosun-bench-'));
    try {
      best = Math.min(best, await once(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return best;
}

/**
 * A kubeadm to compare with: $KUBEADM, one the sandbox built under $BOSUN_CACHE (or ~/.cache/bosun),
 * the lead's wrapper build, or one on PATH. Undefined when there is none.
 */
export function findKubeadm() {
  const versionsDir = path.join(BOSUN_CACHE, 'bin', 'kubernetes');
  const cached = existsSync(versionsDir)
    ? readdirSync(versionsDir)
        .sort()
        .reverse()
        .map((v) => path.join(versionsDir, v, 'kubeadm'))
    : [];
  const onPath = (process.env.PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((dir) => path.join(dir, 'kubeadm'));
  return [process.env.KUBEADM, ...cached, '/tmp/wrap137/bin/kubeadm', ...onPath].find((p) => p && existsSync(p));
}

export const seconds = (ms) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(3)} s`);

/** Prints rows (arrays of cells) as an aligned table under a header row. */
export function table(header, rows) {
  const all = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  for (const row of all) console.log(`  ${row.map((cell, i) => cell.padEnd(widths[i])).join('   ')}`.trimEnd());
}

/** Machine context printed with every run: figures on a loaded 2-core box differ from a quiet one. */
export function machineLine() {
  const [one] = os.loadavg();
  return `node ${process.version}, ${os.cpus().length} cores, load average ${one.toFixed(2)}`;
}
