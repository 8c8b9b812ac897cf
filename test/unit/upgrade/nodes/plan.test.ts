import { describe, expect, it } from 'vitest';
import { batchSize, parseMaxUnavailable, planRoll, type ExecutorKind } from '../../../../src/roll/plan.js';
import { nodeSteps, NODE_SIDE_STEPS } from '../../../../src/roll/steps.js';
import { node } from '../../drain/fixtures.js';

const cp = (name: string) => node(name, { labels: { 'node-role.kubernetes.io/control-plane': '' } });
const local = (): ExecutorKind => 'local';

describe('roll plan', () => {
  it('reads --max-unavailable as a count or a share of the workers (rounded down, at least one)', () => {
    expect(parseMaxUnavailable('3')).toEqual({ count: 3 });
    expect(parseMaxUnavailable('10%')).toEqual({ percent: 10 });
    for (const bad of ['0', '0%', '101%', 'x', '-1']) expect(() => parseMaxUnavailable(bad)).toThrow(/--max-unavailable/);
    expect(batchSize({ percent: 10 }, 200)).toBe(20);
    expect(batchSize({ percent: 10 }, 5)).toBe(1);
    expect(batchSize({ count: 4 }, 2)).toBe(4);
  });

  it('puts control-plane nodes first one at a time, then workers in name order (numbers as numbers), skipping upgraded ones', () => {
    const nodes = [node('worker-10'), node('worker-2'), cp('cp-2'), node('worker-1'), cp('cp-1'), node('worker-3', { kubelet: 'v1.37.1' })];
    const plan = planRoll({ nodes, target: 'v1.37.1', maxUnavailable: { count: 2 }, order: 'name', executorFor: local });
    expect(plan.batches).toEqual([['cp-1'], ['cp-2'], ['worker-1', 'worker-2'], ['worker-10']]);
    expect(plan.skipped).toEqual([{ node: 'worker-3', reason: 'its kubelet already runs v1.37.1' }]);
    expect(plan.nodes.find((n) => n.name === 'cp-1')).toMatchObject({ role: 'control-plane', os: 'linux', from: 'v1.36.3', steps: nodeSteps('linux') });
  });

  it('orders by zone without mixing zones in a batch', () => {
    const z = (name: string, zone?: string) => node(name, { labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} });
    const nodes = [z('a1', 'b'), z('a2', 'a'), z('a3', 'b'), z('a4', 'a'), z('a5', 'a'), z('a6')];
    const plan = planRoll({ nodes, target: 'v1.37.1', maxUnavailable: { count: 2 }, order: 'zone', executorFor: local });
    expect(plan.batches).toEqual([['a2', 'a4'], ['a5'], ['a1', 'a3'], ['a6']]);
  });

  it('refuses nodes no executor can reach, naming each', () => {
    const nodes = [node('here'), node('far'), node('odd', { os: 'plan9' })];
    expect(() =>
      planRoll({
        nodes,
        target: 'v1.37.1',
        maxUnavailable: { count: 1 },
        order: 'name',
        executorFor: (n) => (n.metadata.name === 'here' ? 'local' : { missing: 'no executor' }),
      }),
    ).toThrow(/node far: no executor\n {2}node odd: operating system "plan9"/);
  });

  it('puts at most --windows-max-unavailable Windows workers in a batch, Linux workers filling the rest, within --max-unavailable', () => {
    const win = (name: string, zone?: string) => node(name, { os: 'windows', labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} });
    const nodes = [cp('cp-1'), node('n1'), node('n2'), win('n3'), win('n4'), win('n5'), node('n6')];
    const plan = planRoll({ nodes, target: 'v1.37.1', maxUnavailable: { count: 3 }, windowsMaxUnavailable: { count: 1 }, order: 'name', executorFor: local });
    expect(plan.batches).toEqual([['cp-1'], ['n1', 'n2', 'n3'], ['n4', 'n6'], ['n5']]);
    expect(plan.nodes.find((n) => n.name === 'n3')).toMatchObject({ os: 'windows', steps: nodeSteps('windows') });
    // A limit above --max-unavailable does not widen a batch; a share is of the Windows workers.
    const wide = planRoll({ nodes, target: 'v1.37.1', maxUnavailable: { count: 2 }, windowsMaxUnavailable: { count: 5 }, order: 'name', executorFor: local });
    expect(wide.batches).toEqual([['cp-1'], ['n1', 'n2'], ['n3', 'n4'], ['n5', 'n6']]);
    const share = planRoll({
      nodes,
      target: 'v1.37.1',
      maxUnavailable: { count: 4 },
      windowsMaxUnavailable: { percent: 34 },
      order: 'name',
      executorFor: local,
    });
    expect(share.batches).toEqual([['cp-1'], ['n1', 'n2', 'n3', 'n6'], ['n4'], ['n5']]);
    // By zone: the limit holds in each zone's batches.
    const zoned = [win('a-w1', 'a'), win('a-w2', 'a'), node('a-l1', { labels: { 'topology.kubernetes.io/zone': 'a' } }), win('b-w1', 'b')];
    const byZone = planRoll({
      nodes: zoned,
      target: 'v1.37.1',
      maxUnavailable: { count: 2 },
      windowsMaxUnavailable: { count: 1 },
      order: 'zone',
      executorFor: local,
    });
    expect(byZone.batches).toEqual([['a-l1', 'a-w1'], ['a-w2'], ['b-w1']]);
    expect(parseMaxUnavailable('2', '--windows-max-unavailable', 'the Windows workers')).toEqual({ count: 2 });
    expect(() => parseMaxUnavailable('0', '--windows-max-unavailable', 'the Windows workers')).toThrow(
      '--windows-max-unavailable: expected a node count (1, 5) or a percentage of the Windows workers (10%), got "0"',
    );
  });

  it('keeps one step plan per operating system', () => {
    expect(nodeSteps('linux')).toEqual(['cordon', 'drain', 'upgrade-node', 'kubelet-restart', 'wait-ready', 'uncordon']);
    expect(nodeSteps('windows')).toEqual(['cordon', 'drain', ...NODE_SIDE_STEPS.windows, 'wait-ready', 'uncordon']);
    expect(NODE_SIDE_STEPS.windows).toEqual(['kubelet-push', 'upgrade-node', 'kubelet-stop', 'kubelet-binary', 'kubelet-start']);
  });
});
