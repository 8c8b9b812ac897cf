import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileServer, type Answer, type HostileServer } from '../support/hostile-server.js';
import { filesUnder } from '../support/join.js';
import { BOSUN } from '../support/sandbox.js';
import { tempDir } from '../support/temp.js';

/**
 * `bosun join` (the built CLI, as an operator runs it) discovering a hostile endpoint: no API server is needed, the
 * join stops in its preflight phase. Each run must end within its discovery timeout (checked against 3× it),
 * keep its memory (peak RSS) small, name the endpoint, and write nothing under its --rootfs.
 */
let server: HostileServer;

beforeAll(async () => {
  server = await startHostileServer();
});
afterAll(() => server.close());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  /** The most memory the process ever held (VmHWM), as last seen while it ran. */
  peakRssBytes: number;
  root: string;
}

/** The process's peak resident set so far, or 0 once it is gone. */
function peakRss(pid: number): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** `bosun join <server> --token … --discovery-token-ca-cert-hash …` with a fresh --rootfs, the server answering `answers`. */
function join(answers: Answer[], ...extra: string[]): Promise<Run> {
  server.serve(...answers);
  const root = tempDir('bosun-join-discovery-');
  const started = Date.now();
  const child = spawn(process.execPath, [BOSUN, 'join', ...server.joinArgs(), '--rootfs', root, ...extra], {
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, peakRss(child.pid!))), 25);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => (peak = Math.max(peak, peakRss(child.pid!))));
    child.on('close', (code) => {
      clearInterval(sampler);
      resolve({ code: code ?? 1, stdout, stderr, elapsedMs: Date.now() - started, peakRssBytes: peak, root });
    });
  });
}

describe('bosun join against a hostile discovery endpoint', () => {
  it('discovers a server that answers correctly (then stops: it is no API server)', async () => {
    const run = await join([{ kind: 'valid' }], '--discovery-timeout', '10s');
    expect(run.stdout).toContain(`[discovery] Trusting the API server ${server.url}`);
    expect(run.code).not.toBe(0);
    expect(filesUnder(run.root)).toEqual([]);
  });

  it('ends at the 5s discovery timeout against an endpoint that sends one byte every 200 ms, naming it and the timeout', async () => {
    const run = await join([{ kind: 'slow', intervalMs: 200 }], '--discovery-timeout', '5s');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`discovery at ${server.url}: gave up after .*no complete answer within .*the discovery timeout .* is 5s`));
    expect(run.elapsedMs).toBeLessThan(3 * 5_000);
    expect(filesUnder(run.root)).toEqual([]);
  });

  it('reads no more than 1 MiB of a 300 MiB answer, and the process stays small', async () => {
    const run = await join([{ kind: 'huge', bytes: 300 << 20 }], '--discovery-timeout', '5s');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`discovery at ${server.url}: gave up after .*the answer is larger than the 1 MiB expected at most`));
    expect(run.peakRssBytes).toBeGreaterThan(0);
    expect(run.peakRssBytes).toBeLessThan(300 << 20);
    expect(run.elapsedMs).toBeLessThan(3 * 5_000);
    expect(filesUnder(run.root)).toEqual([]);
  });

  it('says what it expected of an answer that is not JSON, without echoing its escape sequences', async () => {
    const run = await join([{ kind: 'raw', status: 200, body: '\u001b]0;pwned\u0007\u001b[2J<html>' }], '--discovery-timeout', '3s');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`discovery at ${server.url}: gave up after .*the answer is not JSON .*expected the ConfigMap kube-public/cluster-info`),
    );
    expect(run.stderr + run.stdout).not.toContain('\u001b]0;');
    expect(run.stderr).not.toMatch(/Unexpected token|is not valid JSON/);
    expect(filesUnder(run.root)).toEqual([]);
  });

  it('stops at once when the CA is not the pinned one', async () => {
    const run = await join([{ kind: 'wrong-ca' }], '--discovery-timeout', '5m');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`discovery at ${server.url}: the cluster CA found in the cluster-info ConfigMap is not the one pinned`));
    expect(server.requests).toHaveLength(1);
    expect(filesUnder(run.root)).toEqual([]);
  });
});
