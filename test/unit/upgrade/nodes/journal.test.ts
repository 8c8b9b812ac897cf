import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAIN_OPTIONS } from '../../../../src/drain/planner/filters.js';
import { absorbRemote, cordonedNotReleased, finishStep, newJournal, nodeDone, progress, startStep } from '../../../../src/roll/journal/journal.js';
import { isDeadLocalHolder, processIdentity } from '../../../../src/roll/journal/lock.js';
import { planRoll } from '../../../../src/roll/plan.js';
import { nodeSteps } from '../../../../src/roll/steps.js';
import { node } from '../../drain/fixtures.js';

function journal() {
  const plan = planRoll({
    nodes: [node('w1'), node('w2'), node('w3', { unschedulable: true })],
    target: 'v1.37.1',
    maxUnavailable: { count: 2 },
    order: 'name',
    executorFor: () => 'local',
  });
  return newJournal({
    id: 'r1',
    plan,
    target: 'v1.37.1',
    settings: { maxUnavailable: { count: 2 }, order: 'name', pauseBetweenSeconds: 0, healthTimeoutSeconds: 60, drain: DEFAULT_DRAIN_OPTIONS },
    baseline: { notReadyNodes: [], failingPods: [] },
  });
}

describe('roll journal', () => {
  it('starts with every step pending, batch by batch', () => {
    const j = journal();
    expect(j.batches.map((b) => b.nodes)).toEqual([['w1', 'w2'], ['w3']]);
    expect(j.nodes.w1.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
      'cordon:pending',
      'drain:pending',
      'upgrade-node:pending',
      'kubelet-restart:pending',
      'wait-ready:pending',
      'uncordon:pending',
    ]);
    expect(progress(j)).toBe('0 of 3 node(s) done');
  });

  it("keeps a mixed roll's Windows nodes with their steps and --windows-max-unavailable in its settings, through JSON as the stores keep it", () => {
    const settings = {
      maxUnavailable: { count: 2 },
      windowsMaxUnavailable: { count: 1 },
      order: 'name' as const,
      pauseBetweenSeconds: 0,
      healthTimeoutSeconds: 60,
      drain: DEFAULT_DRAIN_OPTIONS,
    };
    const plan = planRoll({
      nodes: [node('a'), node('b', { os: 'windows' }), node('c', { os: 'windows' })],
      target: 'v1.37.1',
      maxUnavailable: settings.maxUnavailable,
      windowsMaxUnavailable: settings.windowsMaxUnavailable,
      order: 'name',
      executorFor: () => 'ssh',
    });
    const j = JSON.parse(JSON.stringify(newJournal({ id: 'r2', plan, target: 'v1.37.1', settings, baseline: { notReadyNodes: [], failingPods: [] } })));
    expect(j.settings.windowsMaxUnavailable).toEqual({ count: 1 });
    expect(j.batches.map((b: { nodes: string[] }) => b.nodes)).toEqual([['a', 'b'], ['c']]);
    expect(j.nodes.b).toMatchObject({ os: 'windows', from: 'v1.36.3' });
    expect(j.nodes.b.steps.map((s: { name: string }) => s.name)).toEqual(nodeSteps('windows'));
  });

  it('gives back only what the roll cordoned and did not uncordon', () => {
    const j = journal();
    const [w1, w2, w3] = [j.nodes.w1, j.nodes.w2, j.nodes.w3];
    w1.cordonedByRoll = true;
    for (const s of w1.steps) {
      startStep(s);
      finishStep(s);
    }
    w2.cordonedByRoll = true;
    startStep(w2.steps[0]);
    w3.cordonedByRoll = false;
    startStep(w3.steps[0]);
    finishStep(w3.steps[0]);
    startStep(w3.steps[1]);
    finishStep(w3.steps[1], 'global timeout reached: 5s');
    expect(nodeDone(w1)).toBe(true);
    expect(cordonedNotReleased(j).map((n) => n.name)).toEqual(['w2']);
    expect(progress(j)).toBe('1 of 3 node(s) done; failed: w3 (drain: global timeout reached: 5s)');
  });

  it('takes an abort request from the cluster copy and moves past its revision', () => {
    const mine = journal();
    mine.revision = 7;
    const remote = { ...journal(), revision: 9, abortRequestedAt: '2026-01-01T00:00:00Z' };
    absorbRemote(mine, remote);
    expect(mine).toMatchObject({ revision: 9, abortRequestedAt: '2026-01-01T00:00:00Z' });
  });

  it('tells a dead lock holder on this machine from a live one', () => {
    expect(isDeadLocalHolder(processIdentity())).toBe(false);
    const [host, pid] = processIdentity().split('/');
    expect(isDeadLocalHolder(`${host}/${pid}/1`)).toBe(true);
    expect(isDeadLocalHolder(`${host}/999999999/1`)).toBe(true);
    expect(isDeadLocalHolder(`elsewhere/${pid}/1`)).toBe(false);
  });
});
