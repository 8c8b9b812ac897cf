import { describe, expect, it } from 'vitest';
import { checkCapacity, parseQuantity, podRequests } from '../../../src/drain/planner/capacity.js';
import { goDuration } from '../../../src/drain/executor/node-run.js';
import { DEFAULT_DRAIN_OPTIONS } from '../../../src/drain/planner/filters.js';
import { planDrain } from '../../../src/drain/planner/plan.js';
import { node, pdb, pod } from './fixtures.js';

describe('capacity', () => {
  it('reads quantities', () => {
    expect(parseQuantity('100m')).toBeCloseTo(0.1);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('1.5G')).toBe(1.5e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('lots')).toBeUndefined();
  });

  it('takes the larger of the containers and an init container, plus overhead', () => {
    const p = pod('a', { requests: { cpu: '250m', memory: '64Mi' } });
    p.spec.initContainers = [{ name: 'init', resources: { requests: { cpu: '1' } } }];
    p.spec.overhead = { cpu: '100m' };
    expect(podRequests(p)).toEqual({ cpu: 1.1, memory: 64 * 2 ** 20, pods: 1 });
  });

  it('fits evicted pods on Ready, schedulable, untainted nodes only', () => {
    const nodes = [
      node('n1'),
      node('n2', { allocatable: { cpu: '2', memory: '4Gi', pods: '10' } }),
      node('n3', { unschedulable: true }),
      node('n4', { taint: 'x' }),
    ];
    const evicted = [pod('big', { requests: { cpu: '1500m' } }), pod('small', { requests: { cpu: '200m' } })];
    const others = [pod('busy', { node: 'n2', requests: { cpu: '1' } })];
    const ok = checkCapacity(evicted, [...evicted, ...others], nodes, new Set(['n1']));
    expect(ok).toMatchObject({ fits: false, targets: 1, unplaceable: ['default/big'] });
    expect(ok.summary).toMatch(/no single node has room for default\/big/);
    expect(checkCapacity([evicted[1]], others, nodes, new Set(['n1'])).fits).toBe(true);
  });
});

describe('planDrain', () => {
  it('decides per pod and lists what blocks the drain', () => {
    const pods = [
      pod('web-1', { node: 'n1', owner: 'ReplicaSet/web', labels: { app: 'web' } }),
      pod('db-0', { node: 'n1', owner: 'StatefulSet/db', labels: { app: 'db' } }),
      pod('twice', { node: 'n1', owner: 'ReplicaSet/x', labels: { app: 'web', tier: 'x' } }),
      pod('agent', { node: 'n1', owner: 'DaemonSet/agent' }),
      pod('elsewhere', { node: 'n2', owner: 'ReplicaSet/web', labels: { app: 'web' } }),
    ];
    const pdbs = [
      pdb('web', { matchLabels: { app: 'web' } }, { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 }),
      pdb('tier', { matchLabels: { tier: 'x' } }, { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 }),
      pdb('db', { matchLabels: { app: 'db' } }, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 }),
    ];
    const plan = planDrain({
      nodes: ['n1'],
      pods,
      pdbs,
      daemonSets: new Set(['default/agent']),
      clusterNodes: [node('n1'), node('n2')],
      options: { ...DEFAULT_DRAIN_OPTIONS, ignoreDaemonSets: true },
      now: Date.now(),
    });
    expect(plan.pods.map((p) => [p.pod, p.action, p.budget])).toEqual([
      ['default/web-1', 'evict', 'default/web'],
      ['default/db-0', 'evict', 'default/db'],
      ['default/twice', 'refuse', undefined],
      ['default/agent', 'skip', undefined],
    ]);
    expect(plan.blockers).toEqual([
      'pod default/twice: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      expect.stringMatching(/^PodDisruptionBudget default\/db allows 0 .*never allows an eviction.*: default\/db-0$/),
    ]);
    expect(plan.capacity.fits).toBe(true);
    const deleting = planDrain({
      nodes: ['n1'],
      pods,
      pdbs,
      daemonSets: new Set(['default/agent']),
      clusterNodes: [],
      options: { ...DEFAULT_DRAIN_OPTIONS, ignoreDaemonSets: true, disableEviction: true },
      now: Date.now(),
    });
    expect(deleting.pods.filter((p) => p.action === 'delete').length).toBe(3);
    expect(deleting.budgets).toEqual([]);
  });

  it('prints timeouts as Go does', () => {
    expect(goDuration(30)).toBe('30s');
    expect(goDuration(90)).toBe('1m30s');
    expect(goDuration(3600)).toBe('1h0m0s');
    expect(goDuration(0.5)).toBe('500ms');
  });
});
