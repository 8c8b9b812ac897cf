import { describe, expect, it } from 'vitest';
import { evaluateHealth, failingReason, healthBaseline } from '../../../../src/roll/gate.js';
import { node, pod } from '../../drain/fixtures.js';

describe('health gate', () => {
  const crashing = () => {
    const p = pod('crash', { owner: 'ReplicaSet/x' });
    p.status!.containerStatuses = [{ name: 'c', state: { waiting: { reason: 'CrashLoopBackOff' } } }];
    return p;
  };

  it('knows failing pods', () => {
    expect(failingReason(pod('ok'))).toBeUndefined();
    expect(failingReason(pod('f', { phase: 'Failed' }))).toBe('Failed');
    expect(failingReason(crashing())).toBe('CrashLoopBackOff');
    const pending = pod('p', { phase: 'Pending' });
    pending.status!.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }];
    expect(failingReason(pending)).toBe('Unschedulable');
  });

  it('fails only on what is new since the roll began', () => {
    const old = crashing();
    const baseline = healthBaseline([node('n1'), node('sick', { ready: false })], [old, pod('fine')]);
    expect(baseline.notReadyNodes).toEqual(['sick']);
    expect(evaluateHealth([node('n1'), node('sick', { ready: false })], [old], baseline)).toEqual([]);
    const fresh = crashing();
    expect(evaluateHealth([node('n1', { ready: false }), node('sick', { ready: false })], [old, fresh], baseline)).toEqual([
      'node n1 is not Ready',
      'pod default/crash is CrashLoopBackOff',
    ]);
  });
});
