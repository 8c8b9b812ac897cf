import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main.js';

/** What one in-process run of the CLI left behind. */
export interface RunResult {
  /** The exit code main() returned; undefined when it threw or did not end before its deadline. */
  code: number | undefined;
  stdout: string;
  stderr: string;
  /** Exceptions that escaped main(): thrown by it, unhandled rejections, uncaught exceptions during the run. */
  crashes: string[];
  hung: boolean;
  ms: number;
}

/** Output beyond this is counted, not kept: a run that prints megabytes must not make the campaign itself run out of memory. */
const KEEP_CHARS = 256 * 1024;

type Listener = (...args: unknown[]) => void;
const CRASH_EVENTS = ['unhandledRejection', 'uncaughtException'] as const;

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
}

/**
 * Runs `bosun <argv>` in this process with its output captured: process.stdout/stderr writes are taken for the
 * run, and the test runner's own crash listeners are set aside so an unhandled rejection counts against the case
 * that caused it instead of failing the file. Runs must not overlap.
 */
export async function runBosun(argv: string[], deadlineMs: number): Promise<RunResult> {
  const out = { stdout: '', stderr: '' };
  const crashes: string[] = [];
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = (stream: 'stdout' | 'stderr') =>
    function write(chunk: unknown, ...rest: unknown[]): boolean {
      if (out[stream].length < KEEP_CHARS) out[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    };
  const saved = CRASH_EVENTS.map((event) => [event, process.listeners(event as 'uncaughtException') as Listener[]] as const);
  const onCrash = (err: unknown) => crashes.push(describe(err));
  for (const [event, listeners] of saved) {
    for (const l of listeners) process.off(event, l);
    process.on(event, onCrash);
  }
  process.stdout.write = capture('stdout') as typeof process.stdout.write;
  process.stderr.write = capture('stderr') as typeof process.stderr.write;
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), deadlineMs)));
  let code: number | undefined;
  let hung = false;
  try {
    const ended = await Promise.race([main(argv), deadline]);
    if (ended === 'hung') hung = true;
    else code = ended;
  } catch (err) {
    crashes.push(describe(err));
  } finally {
    clearTimeout(timer);
    // A rejection left unhandled by the run surfaces on the next turns of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
    for (const [event, listeners] of saved) {
      process.off(event, onCrash);
      for (const l of listeners) process.on(event, l);
    }
  }
  const ms = Date.now() - started;
  // A run that blocks the event loop (a synchronous parse) cannot be cut off by a timer: it is late all the same.
  return { code, ...out, crashes, hung: hung || ms > deadlineMs, ms };
}

const BIN = path.resolve(import.meta.dirname, '../../../bin/bosun.js');
const DIST_MAIN = path.resolve(import.meta.dirname, '../../../dist/cli/main.js');
/**
 * The address space a separate run may take: enough for bosun, far from what would crowd a shared machine. It is
 * address space, not memory: V8 reserves about 4 GiB of it that it never touches once bosun loads its HTTP client
 * (under 3 GiB, `upgrade node` died on any input), while a reader without bound fills the rest within seconds.
 */
const MEMORY_CEILING_KIB = 6 * 1024 * 1024;
/** How Node ends when it dies rather than exits: out of memory, an uncaught exception, a signal. */
const DIED = /FATAL ERROR|Aborted|Allocation failed|^Uncaught|^\S*Error: .*\n\s+at |node:internal\/process/m;

/**
 * Runs `bosun <argv>` as its own process (bin/bosun.js, so dist/ must be built) under a memory ceiling, for
 * inputs that could make bosun exhaust memory: there the process dies alone and the death is counted.
 */
export async function runBosunProcess(argv: string[], deadlineMs: number): Promise<RunResult> {
  if (!existsSync(DIST_MAIN)) throw new Error(`${DIST_MAIN} is missing: run "node build.mjs" before the campaign`);
  const started = Date.now();
  // Without the trap handler, WebAssembly (the HTTP client's parser) reserves no guard regions of many GiB of
  // address space, which the ceiling would refuse: the process would die of the ceiling, not of the input.
  const child = spawn('sh', ['-c', `ulimit -v ${MEMORY_CEILING_KIB}; exec "$0" "$@"`, process.execPath, '--disable-wasm-trap-handler', BIN, ...argv], {
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk: string) => {
      if (out[stream].length < KEEP_CHARS) out[stream] += chunk;
    });
  }
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, deadlineMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  const crashes = !hung && (signal !== null || (code ?? 0) > 3 || DIED.test(out.stderr)) ? [`exit ${code ?? signal}: ${out.stderr.slice(-600)}`] : [];
  return { code: hung ? undefined : (code ?? undefined), ...out, crashes, hung, ms: Date.now() - started };
}
