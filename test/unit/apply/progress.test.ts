import { describe, expect, it } from 'vitest';
import { host } from './hosts.js';
import { planApply, type HostSurvey } from '../../../src/commands/apply/plan.js';
import { ApplyProgress, plannedSteps } from '../../../src/commands/apply/progress.js';
import type { ProgressEvent } from '../../../src/workflow/events.js';
import { jsonRenderer, parseEventLine } from '../../../src/workflow/renderers/json.js';
import { plainRenderer } from '../../../src/workflow/renderers/plain.js';
import type { Phase } from '../../../src/workflow/phase.js';
import { runWorkflow } from '../../../src/workflow/run.js';

const HOSTS = [host('cp-1', 'control-plane'), host('w-1'), host('cp-2', 'control-plane'), host('w-2')];
const fresh: HostSurvey = { kubeletConf: false, adminConf: false };
const plan = planApply(HOSTS, new Map(HOSTS.map((h) => [h.name, h.name === 'w-2' ? { ...fresh, kubelet: 'v1.36.3' } : fresh])), undefined, 'v1.36.3');

/** Two phases as join's: one logs a line, the other fails when told to. */
const phases = (fail: boolean): Phase<object>[] => [
  { name: 'preflight', description: 'checks', run: async (_ctx, io) => io.log('[preflight] Running pre-flight checks') },
  {
    name: 'kubelet-start',
    description: 'kubelet',
    run: async () => {
      if (fail) throw new Error('the kubelet did not start');
    },
  },
];

function collector() {
  const chunks: string[] = [];
  return { write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

describe("bosun apply's progress", () => {
  it('plans one step per host in the order the run takes them: kubelets, init, control-plane joins, worker joins, Ready', () => {
    expect(plannedSteps(plan)).toEqual([
      'node/cp-1/kubelet',
      'node/w-1/kubelet',
      'node/cp-2/kubelet',
      'node/cp-1/init',
      'node/cp-2/join',
      'node/w-1/join',
      'node/w-2/join',
      'node/cp-1/ready',
      'node/w-1/ready',
      'node/cp-2/ready',
      'node/w-2/ready',
    ]);
  });

  it('--progress=json: one event per line, each naming the host and step, its status and time; phases are lines of their step', async () => {
    const out = collector();
    const progress = new ApplyProgress(jsonRenderer(out));
    progress.planned(plan);
    await progress.step('w-1', 'join', ({ sink }) => runWorkflow(phases(false), {}, { sink }));
    await expect(progress.step('w-2', 'join', ({ sink }) => runWorkflow(phases(true), {}, { sink }))).rejects.toThrow('the kubelet did not start');
    progress.log('[apply] Waiting for every Node to be Ready');

    const lines = out.text().trimEnd().split('\n');
    const events = lines.map((line) => parseEventLine(line));
    expect(events.every((e) => e !== undefined)).toBe(true);
    const [planned, ...rest] = events as ProgressEvent[];
    expect(planned).toMatchObject({ type: 'planned', path: '', paths: plannedSteps(plan) });
    expect(rest.map((e) => [e.type, e.path, 'line' in e ? e.line : 'error' in e ? e.error : ''])).toEqual([
      ['started', 'node/w-1/join', ''],
      ['log', 'node/w-1/join', '[w-1] [preflight] Running pre-flight checks'],
      ['finished', 'node/w-1/join', ''],
      ['started', 'node/w-2/join', ''],
      ['log', 'node/w-2/join', '[w-2] [preflight] Running pre-flight checks'],
      ['log', 'node/w-2/join', '[w-2] phase kubelet-start failed: error execution phase kubelet-start: the kubelet did not start'],
      ['failed', 'node/w-2/join', 'error execution phase kubelet-start: the kubelet did not start'],
      ['log', '', '[apply] Waiting for every Node to be Ready'],
    ]);
    for (const e of rest) expect(e.at).toBeTypeOf('number');
    for (const e of rest.filter((e) => e.type === 'finished' || e.type === 'failed')) expect('ms' in e && e.ms).toBeGreaterThanOrEqual(0);
    expect([...progress.timings.keys()]).toEqual(['w-1', 'w-2']);
  });

  it('plain lines: a step starts and ends by its path, its lines under the host name', async () => {
    const out = collector();
    const err = collector();
    const progress = new ApplyProgress(plainRenderer(out, err));
    await progress.step('cp-1', 'kubelet', async ({ log }) => log('[kubelet-install] Installing kubelet v1.36.3'));
    expect(out.text()).toBe('❯ node/cp-1/kubelet\n› [cp-1] [kubelet-install] Installing kubelet v1.36.3\n✔ node/cp-1/kubelet\n');
    expect(err.text()).toBe('');
  });
});
