import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../src/workflow/events.js';
import type { Phase } from '../../../src/workflow/phase.js';
import { chooseRenderer, progressMode, terminalOf } from '../../../src/workflow/progress.js';
import { jsonRenderer, parseEventLine } from '../../../src/workflow/renderers/json.js';
import { plainRenderer } from '../../../src/workflow/renderers/plain.js';
import { runWorkflow, type RunOptions } from '../../../src/workflow/run.js';
import { recorder } from '../../support/workflow.js';

/** A stream that keeps what is written to it. */
function collector() {
  const chunks: string[] = [];
  return { write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

const TREE: Phase<{ fail?: boolean }>[] = [
  { name: 'preflight', description: 'checks', run: async (_c, io) => io.log('[preflight] Running pre-flight checks') },
  {
    name: 'certs',
    description: 'certificates',
    run: async (_c, io) => io.log('[certs] Using certificateDir folder "/etc/kubernetes/pki"'),
    cleanup: async (_c, io) => io.log('[certs] removing what was written'),
    phases: [
      { name: 'ca', description: 'the CA', run: async (_c, io) => io.log('[certs] Generating "ca" certificate and key') },
      {
        name: 'apiserver',
        description: 'the API server',
        run: async (c) => {
          if (c.fail) throw new Error('apiserver.crt: does not match its private key');
        },
      },
    ],
  },
  { name: 'show-join-command', description: 'join', run: async (_c, io) => io.log('Your control-plane has initialized!\n\n  kubeadm join …\n   \n') },
];

async function plainRun(ctx: { fail?: boolean }, opts: RunOptions = {}) {
  const out = collector();
  const err = collector();
  await runWorkflow(TREE, ctx, { ...opts, sink: plainRenderer(out, err) }).catch(() => undefined);
  return { out: out.text(), err: err.text() };
}

describe('plain progress lines', () => {
  it('are what listr2’s simple renderer printed: ❯ on start, › per logged line, ✔ on end', async () => {
    const { out, err } = await plainRun({}, { skip: ['preflight'] });
    expect(out).toBe(
      [
        '↓ preflight [SKIPPED: in the phases to skip]',
        '❯ certs',
        '› [certs] Using certificateDir folder "/etc/kubernetes/pki"',
        '❯ certs/ca',
        '› [certs] Generating "ca" certificate and key',
        '✔ certs/ca',
        '❯ certs/apiserver',
        '✔ certs/apiserver',
        '✔ certs',
        '❯ show-join-command',
        // Empty lines stay, blank ones go, every other line gets its marker.
        '› Your control-plane has initialized!',
        '',
        '›   kubeadm join …',
        '',
        '✔ show-join-command',
        '',
      ].join('\n'),
    );
    expect(err).toBe('');
  });

  it('put failures and cleanups on stderr, a failed phase and each phase around it', async () => {
    const { out, err } = await plainRun({ fail: true });
    // The cleanup's own lines are progress like any other.
    expect(out.split('\n').slice(-4)).toEqual(['✔ certs/ca', '❯ certs/apiserver', '› [certs] removing what was written', '']);
    expect(err).toBe(
      [
        '✖ certs/apiserver [FAILED: error execution phase certs/apiserver: apiserver.crt: does not match its private key]',
        '✖ certs [FAILED: error execution phase certs/apiserver: apiserver.crt: does not match its private key]',
        '← certs [CLEANED UP]',
        '',
      ].join('\n'),
    );
  });

  it('show a wait as a line when it begins', () => {
    const out = collector();
    const sink = plainRenderer(out, collector());
    sink({ type: 'wait', path: 'wait-control-plane', at: 1, what: 'the kubelet to start the static Pods' });
    sink({ type: 'wait', path: 'wait-control-plane', at: 2, what: 'the kubelet to start the static Pods', done: true });
    expect(out.text()).toBe('› waiting for the kubelet to start the static Pods\n');
  });
});

describe('JSON progress lines', () => {
  it('hold one event per line, read back as the same events', async () => {
    const out = collector();
    const seen = recorder();
    const sink = jsonRenderer(out);
    await runWorkflow(TREE, {}, { sink: (e) => (sink(e), seen(e)) });
    const lines = out.text().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map(parseEventLine)).toEqual(seen.events);
    expect(JSON.parse(lines[1])).toEqual({ type: 'started', path: 'preflight', title: 'checks', at: expect.any(Number) });
  });

  it('are told apart from other lines on the same stream', () => {
    expect(parseEventLine('error: error execution phase certs: boom')).toBeUndefined();
    expect(parseEventLine('{"not":"an event"}')).toBeUndefined();
    expect(parseEventLine('{broken')).toBeUndefined();
    const event: ProgressEvent = { type: 'finished', path: 'certs', at: 5, ms: 3 };
    expect(parseEventLine(JSON.stringify(event))).toEqual(event);
  });
});

describe('the renderer chooser', () => {
  it('takes what --progress asks for, else listr2 on a terminal and plain lines in CI or without one', () => {
    expect(progressMode('json', { ci: false, isTTY: true })).toBe('json');
    expect(progressMode('tty', { ci: true, isTTY: false })).toBe('tty');
    expect(progressMode(undefined, { ci: false, isTTY: true })).toBe('tty');
    expect(progressMode(undefined, { ci: true, isTTY: true })).toBe('plain');
    expect(progressMode(undefined, { ci: false, isTTY: false })).toBe('plain');
  });

  it('reads CI=true and BOSUN_PLAIN=1 from the environment it is given', () => {
    expect(terminalOf({ CI: 'true' }, true)).toEqual({ ci: true, isTTY: true });
    expect(terminalOf({ BOSUN_PLAIN: '1' }, undefined)).toEqual({ ci: true, isTTY: false });
    expect(terminalOf({ CI: 'false' }, true)).toEqual({ ci: false, isTTY: true });
  });

  it('sends JSON to stderr, keeping stdout for the command’s own output', () => {
    const stdout = collector();
    const stderr = collector();
    chooseRenderer({ mode: 'json', ci: true, isTTY: false, stdout, stderr })({ type: 'finished', path: 'certs', at: 1, ms: 2 });
    expect(stdout.text()).toBe('');
    expect(stderr.text()).toBe('{"type":"finished","path":"certs","at":1,"ms":2}\n');
    chooseRenderer({ ci: true, isTTY: true, stdout, stderr })({ type: 'started', path: 'certs', at: 1 });
    expect(stdout.text()).toBe('❯ certs\n');
  });
});
