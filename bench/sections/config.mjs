// `bosun config validate` on hostile configs: CPU time to parse or refuse, and how much it prints.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BOSUN, bestOf, seconds, table } from '../lib.mjs';

const RUNS = 3;
const MiB = 1024 * 1024;
/** The target: a 4 MiB config is parsed or refused in under a second, with a few lines of output. */
const TARGET_SECONDS = 1;
/** GNU time reports the CPU seconds of the run; wall time on a loaded 2-core machine says more about the load. */
const GNU_TIME = '/usr/bin/time';

const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';
/** `HEAD` and `line(i)` for i = 0, 1, … up to `count` lines, while the text stays within `bytes`. */
function lines(bytes, line, count = Infinity) {
  const parts = [HEAD];
  let size = HEAD.length;
  for (let i = 0; i < count; i++) {
    const next = line(i);
    if (size + next.length > bytes) break;
    parts.push(next);
    size += next.length;
  }
  return parts.join('');
}

const CASES = [
  ['a small valid config (start-up)', () => `${HEAD}maxPods: 110\n`],
  ['4 MiB of keys', () => lines(4 * MiB, (i) => `k${i}: ${i}\n`)],
  ['1 MiB of keys', () => lines(MiB - 1, (i) => `k${i}: ${i}\n`)],
  ['4,900 unknown keys', () => lines(MiB, (i) => `k${i}: ${i}\n`, 4900)],
  ['4,900 quoted 190-byte values', () => lines(MiB, (i) => `k${i}: "${'z'.repeat(190)}"\n`, 4900)],
  ['one 1 MiB quoted string', () => `${HEAD}staticPodPath: "${'y'.repeat(MiB - 200)}"\n`],
];

/** CPU (or, without GNU time, wall) milliseconds and output of one `bosun config validate`, whatever its exit code. */
function validate(file) {
  const command = [process.execPath, BOSUN, 'config', 'validate', '--config', file];
  const cpu = existsSync(GNU_TIME);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = cpu ? spawn(GNU_TIME, ['-f', '%U %S', ...command], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(command[0], command.slice(1));
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (!cpu) return resolve({ ms: performance.now() - started, code, output });
      const [times, ...rest] = output.trimEnd().split('\n').reverse();
      const [user, system] = times.split(' ').map(Number);
      resolve({ ms: (user + system) * 1000, code: /exited with non-zero status/.test(rest[0] ?? '') ? 1 : code, output: rest.reverse().join('\n') });
    });
  });
}

export const configSection = {
  name: 'config',
  title: `config validate on hostile configs (${existsSync(GNU_TIME) ? 'CPU time' : 'wall time'}, best of ${RUNS})`,
  async run() {
    const rows = [];
    for (const [name, make] of CASES) {
      const text = make();
      let last;
      const ms = await bestOf(RUNS, async (dir) => {
        const file = path.join(dir, 'config.yaml');
        await writeFile(file, text);
        last = await validate(file);
        return last.ms;
      });
      const shown = last.output.split('\n').filter((l) => !/^Command exited/.test(l));
      const verdict = ms / 1000 < TARGET_SECONDS ? 'met' : 'MISSED';
      rows.push([name, `${(text.length / MiB).toFixed(2)} MiB`, seconds(ms), last.code === 0 ? 'accepted' : 'refused', `${shown.length} lines`, verdict]);
    }
    table(['input', 'size', 'time', 'result', 'output', `target < ${TARGET_SECONDS} s`], rows);
  },
};
