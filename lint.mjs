// `npm run lint`: ESLint, the import layers and the formatting check (the `lint:*` scripts), side by side on the
// machine's cores. All three always run and print in a fixed order, so one failing check never hides another's.
import { spawn } from 'node:child_process';

const CHECKS = ['code', 'layers', 'format'];

function run(name) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', `lint:${name}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (err) => resolve({ name, code: 1, output: String(err) }));
    child.on('close', (code) => resolve({ name, code: code ?? 1, output: output.trim() }));
  });
}

const results = await Promise.all(CHECKS.map(run));
for (const { name, code, output } of results) {
  process.stdout.write(`── lint:${name} ${code === 0 ? 'ok' : 'failed'}\n${output ? `${output}\n` : ''}`);
}
const failed = results.filter((r) => r.code !== 0);
if (failed.length) {
  process.stdout.write(`lint failed: ${failed.map((r) => `lint:${r.name}`).join(', ')}\n`);
  process.exitCode = 1;
}
