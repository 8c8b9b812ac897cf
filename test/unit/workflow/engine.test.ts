import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../src/workflow/events.js';
import { Interrupted } from '../../../src/workflow/io.js';
import type { Phase, PhaseIO } from '../../../src/workflow/phase.js';
import { PhaseError, runWorkflow, type RunOptions } from '../../../src/workflow/run.js';
import { recorder } from '../../support/workflow.js';

/** What the phases did, in order, and what they were told (`cleanup:<path>` for a rollback). */
interface Journal {
  done: string[];
  failAt?: string;
  unneeded?: Set<string>;
  failingCleanup?: string;
}

/** A phase that writes its path to the journal; it fails where the journal says, and can be rolled back. */
function phase(path: string, children: Phase<Journal>[] = []): Phase<Journal> {
  return {
    name: path.split('/').at(-1)!,
    description: `the ${path} phase`,
    run: async (j, io) => {
      io.log(`[${path}] running`);
      j.done.push(path);
      if (j.failAt === path) throw new Error(`${path} broke`);
    },
    runIf: (j) => !j.unneeded?.has(path),
    cleanup: async (j, io) => {
      io.log(`[${path}] undoing`);
      j.done.push(`cleanup:${path}`);
      if (j.failingCleanup === path) throw new Error(`cleanup of ${path} broke`);
    },
    phases: children,
  };
}

/** preflight, certs (ca, apiserver), kubeconfig (admin, kubelet), addon */
const TREE: Phase<Journal>[] = [
  phase('preflight'),
  phase('certs', [phase('certs/ca'), phase('certs/apiserver')]),
  phase('kubeconfig', [phase('kubeconfig/admin'), phase('kubeconfig/kubelet')]),
  phase('addon'),
];

/** Runs TREE; returns the journal, the events without their times, and the error if it failed. */
async function run(journal: Partial<Journal> = {}, opts: RunOptions = {}) {
  const j: Journal = { done: [], ...journal };
  const progress = recorder();
  const error = await runWorkflow(TREE, j, { ...opts, sink: progress }).then(
    () => undefined,
    (err: unknown) => err,
  );
  const events = progress.events.map(({ at, ...rest }) => {
    expect(typeof at).toBe('number');
    return 'ms' in rest ? { ...rest, ms: expect.any(Number) } : rest;
  });
  return { done: j.done, events, error, lines: progress.lines() };
}

const opened = (events: Partial<ProgressEvent>[]) => events.filter((e) => e.type === 'started').map((e) => e.path);

describe('the phase engine', () => {
  it('runs the tree in order, parents before their children, and reports each step as events', async () => {
    const { done, events, error } = await run({}, { only: 'certs' });
    expect(error).toBeUndefined();
    expect(done).toEqual(['certs', 'certs/ca', 'certs/apiserver']);
    expect(events).toEqual([
      { type: 'planned', path: '', paths: ['certs', 'certs/ca', 'certs/apiserver'] },
      { type: 'started', path: 'certs', title: 'the certs phase' },
      { type: 'log', path: 'certs', line: '[certs] running' },
      { type: 'started', path: 'certs/ca', title: 'the certs/ca phase' },
      { type: 'log', path: 'certs/ca', line: '[certs/ca] running' },
      { type: 'finished', path: 'certs/ca', ms: expect.any(Number) },
      { type: 'started', path: 'certs/apiserver', title: 'the certs/apiserver phase' },
      { type: 'log', path: 'certs/apiserver', line: '[certs/apiserver] running' },
      { type: 'finished', path: 'certs/apiserver', ms: expect.any(Number) },
      { type: 'finished', path: 'certs', ms: expect.any(Number) },
    ]);
  });

  it('runs only the chosen phase: its ancestors are opened around it but their own run is not called', async () => {
    const { done, events } = await run({}, { only: 'kubeconfig/kubelet' });
    expect(done).toEqual(['kubeconfig/kubelet']);
    expect(opened(events)).toEqual(['kubeconfig', 'kubeconfig/kubelet']);
    expect(events.at(-1)).toEqual({ type: 'finished', path: 'kubeconfig', ms: expect.any(Number) });
  });

  it('skips the phases to skip, a parent with its children, each reported once', async () => {
    const { done, events } = await run({}, { skip: ['certs', 'kubeconfig/admin'] });
    expect(done).toEqual(['preflight', 'kubeconfig', 'kubeconfig/kubelet', 'addon']);
    expect(events.filter((e) => e.type === 'skipped')).toEqual([
      { type: 'skipped', path: 'certs', reason: 'in the phases to skip' },
      { type: 'skipped', path: 'kubeconfig/admin', reason: 'in the phases to skip' },
    ]);
    expect(events[0]).toEqual({ type: 'planned', path: '', paths: ['preflight', 'certs', 'kubeconfig', 'kubeconfig/admin', 'kubeconfig/kubelet', 'addon'] });
  });

  it('skips a phase whose runIf is false, with its children, and says why', async () => {
    const { done, events } = await run({ unneeded: new Set(['certs', 'addon']) });
    expect(done).toEqual(['preflight', 'kubeconfig', 'kubeconfig/admin', 'kubeconfig/kubelet']);
    expect(events.filter((e) => e.type === 'skipped')).toEqual([
      { type: 'skipped', path: 'certs', reason: 'its runIf condition is false' },
      { type: 'skipped', path: 'addon', reason: 'its runIf condition is false' },
    ]);
    expect(opened(events)).not.toContain('certs/ca');
  });

  it('refuses unknown phase names, naming the flag and the phases there are', async () => {
    await expect(runWorkflow(TREE, { done: [] }, { skip: ['certs/nope'] })).rejects.toThrow(
      '--skip-phases: unknown phase "certs/nope"; phases are: preflight, certs, certs/ca, certs/apiserver, kubeconfig, kubeconfig/admin, kubeconfig/kubelet, addon',
    );
    await expect(runWorkflow(TREE, { done: [] }, { only: 'nope' })).rejects.toThrow('phase: unknown phase "nope"');
  });
});

describe('a failing phase', () => {
  it('stops the run with an error named by its phase path, as kubeadm words it', async () => {
    const { done, error, events } = await run({ failAt: 'kubeconfig/admin' });
    expect(error).toBeInstanceOf(PhaseError);
    expect((error as PhaseError).message).toBe('error execution phase kubeconfig/admin: kubeconfig/admin broke');
    expect((error as PhaseError).path).toBe('kubeconfig/admin');
    expect(done).not.toContain('kubeconfig/kubelet');
    expect(done).not.toContain('addon');
    // The phase and every phase around it are closed as failed, innermost first.
    expect(events.filter((e) => e.type === 'failed')).toEqual([
      { type: 'failed', path: 'kubeconfig/admin', ms: expect.any(Number), error: 'error execution phase kubeconfig/admin: kubeconfig/admin broke' },
      { type: 'failed', path: 'kubeconfig', ms: expect.any(Number), error: 'error execution phase kubeconfig/admin: kubeconfig/admin broke' },
    ]);
  });

  it('rolls back the phases that completed, newest first, not the failing one nor those that never ran', async () => {
    const { done, events } = await run({ failAt: 'kubeconfig/admin' }, { skip: ['certs/apiserver'] });
    expect(done).toEqual([
      'preflight',
      'certs',
      'certs/ca',
      'kubeconfig',
      'kubeconfig/admin',
      'cleanup:kubeconfig',
      'cleanup:certs/ca',
      'cleanup:certs',
      'cleanup:preflight',
    ]);
    const cleanups = events.filter((e) => e.type === 'cleanup' || (e.type === 'log' && e.line.endsWith('undoing')));
    expect(cleanups.slice(0, 2)).toEqual([
      { type: 'log', path: 'kubeconfig', line: '[kubeconfig] undoing' },
      { type: 'cleanup', path: 'kubeconfig', ms: expect.any(Number), ok: true },
    ]);
    // Cleanups come after the failure is reported.
    expect(events.findIndex((e) => e.type === 'cleanup')).toBeGreaterThan(events.findLastIndex((e) => e.type === 'failed'));
  });

  it('throws the original error when a cleanup fails too, and reports the cleanup failure', async () => {
    const { done, error, events } = await run({ failAt: 'addon', failingCleanup: 'certs' });
    expect((error as PhaseError).message).toBe('error execution phase addon: addon broke');
    // The next cleanups still run after the one that failed.
    expect(done.filter((d) => d.startsWith('cleanup:'))).toEqual([
      'cleanup:kubeconfig/kubelet',
      'cleanup:kubeconfig/admin',
      'cleanup:kubeconfig',
      'cleanup:certs/apiserver',
      'cleanup:certs/ca',
      'cleanup:certs',
      'cleanup:preflight',
    ]);
    expect(events).toContainEqual({ type: 'cleanup', path: 'certs', ms: expect.any(Number), ok: false, error: 'cleanup of certs broke' });
    expect((error as PhaseError).cleanupFailures).toEqual([{ path: 'certs', error: 'cleanup of certs broke' }]);
  });

  it('counts a runIf that throws as its phase failing', async () => {
    const tree: Phase<Journal>[] = [{ name: 'probe', description: 'probe', runIf: () => Promise.reject(new Error('cannot tell')) }];
    const progress = recorder();
    await expect(runWorkflow(tree, { done: [] }, { sink: progress })).rejects.toThrow('error execution phase probe: cannot tell');
    expect(progress.events.map((e) => e.type)).toEqual(['planned', 'started', 'failed']);
  });
});

describe('an interrupted run', () => {
  it('starts no phase after the signal is aborted, names the phase it stopped before, and cleans up', async () => {
    const interrupt = new AbortController();
    const tree: Phase<Journal>[] = [
      phase('certs'),
      { ...phase('kubeconfig'), run: async (j) => void (j.done.push('kubeconfig'), interrupt.abort('SIGINT')) },
      phase('addon'),
    ];
    const j: Journal = { done: [] };
    const progress = recorder();
    const error = await runWorkflow(tree, j, { sink: progress, signal: interrupt.signal }).catch((err: PhaseError) => err);
    expect(error).toBeInstanceOf(PhaseError);
    expect(error!.message).toBe('error execution phase addon: interrupted by SIGINT');
    expect(error!.exitCode).toBe(130);
    expect(j.done).toEqual(['certs', 'kubeconfig', 'cleanup:kubeconfig', 'cleanup:certs']);
    expect(progress.events.filter((e) => e.path === 'addon').map((e) => e.type)).toEqual(['started', 'failed']);
  });

  it('ends a wait at once and fails the waiting phase as interrupted, whatever the phase then throws', async () => {
    const interrupt = new AbortController();
    const seen: AbortSignal[] = [];
    const waiting = async (_j: Journal, io: PhaseIO) => {
      await io.wait('the API server to answer', (signal) => {
        seen.push(signal);
        interrupt.abort('SIGTERM');
        return new Promise<void>(() => undefined); // never settles by itself
      });
    };
    const tree: Phase<Journal>[] = [{ name: 'wait-control-plane', description: 'wait', run: waiting }];
    const progress = recorder();
    const error = await runWorkflow(tree, { done: [] }, { sink: progress, signal: interrupt.signal }).catch((err: PhaseError) => err);
    expect(error!.message).toBe('error execution phase wait-control-plane: interrupted by SIGTERM');
    expect(error!.exitCode).toBe(143);
    expect(error!.cause).toBeInstanceOf(Interrupted);
    expect(seen).toEqual([interrupt.signal]);
    expect(progress.events.filter((e) => e.type === 'wait').map(({ at: _, ...e }) => e)).toEqual([
      { type: 'wait', path: 'wait-control-plane', what: 'the API server to answer' },
      { type: 'wait', path: 'wait-control-plane', what: 'the API server to answer', done: true },
    ]);
  });

  it('lets a phase that finishes despite the interrupt count as done', async () => {
    const interrupt = new AbortController();
    const tree: Phase<Journal>[] = [{ ...phase('certs'), run: async (j) => void (interrupt.abort('SIGINT'), j.done.push('certs')) }];
    await runWorkflow(tree, { done: [] }, { signal: interrupt.signal });
  });
});
