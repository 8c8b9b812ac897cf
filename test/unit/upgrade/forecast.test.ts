import { describe, expect, it } from 'vitest';
import type { Node, Pod, PodDisruptionBudget } from '../../../src/kube/workloads.js';
import { forecastDrains } from '../../../src/commands/upgrade/forecast.js';

const node = (name: string, opts: { controlPlane?: boolean; kubelet?: string; cpu?: string } = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: opts.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {} },
  spec: opts.controlPlane ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
  status: {
    allocatable: { cpu: opts.cpu ?? '4', memory: '8Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True' }],
    nodeInfo: { kubeletVersion: opts.kubelet ?? 'v1.36.3', operatingSystem: 'linux' },
  },
});

let uid = 0;
const pod = (name: string, nodeName: string, opts: { app?: string; owner?: string; emptyDir?: boolean; cpu?: string } = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'default',
    uid: String(++uid),
    labels: opts.app ? { app: opts.app } : {},
    ...(opts.owner !== undefined && { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.owner, controller: true }] }),
  },
  spec: {
    nodeName,
    containers: [{ name: 'c', resources: { requests: { cpu: opts.cpu ?? '100m', memory: '64Mi' } } }],
    ...(opts.emptyDir && { volumes: [{ name: 'scratch', emptyDir: {} }] }),
  },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

const pdb = (name: string, app: string, allowed: number, expected: number, desired: number): PodDisruptionBudget => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace: 'default', generation: 1 },
  spec: { selector: { matchLabels: { app } }, minAvailable: desired },
  status: { disruptionsAllowed: allowed, currentHealthy: expected, desiredHealthy: desired, expectedPods: expected, observedGeneration: 1 },
});

describe('drain forecast of upgrade plan', () => {
  const nodes = [node('cp', { controlPlane: true }), node('w1'), node('w2'), node('w3', { kubelet: 'v1.37.1' })];
  const pods = [
    pod('web-1', 'w1', { app: 'web', owner: 'web' }),
    pod('web-2', 'w1', { app: 'web', owner: 'web' }),
    pod('web-3', 'w2', { app: 'web', owner: 'web' }),
    pod('lonely', 'w1'),
    pod('cache', 'w2', { owner: 'cache', emptyDir: true }),
  ];
  const input = { target: 'v1.37.1', nodes, pods, pdbs: [pdb('web', 'web', 1, 3, 2)], daemonSets: new Set<string>(), now: Date.now() };

  it('goes node by node: evictions, budgets, what needs --force or --delete-emptydir-data, room', () => {
    const forecast = forecastDrains({ ...input, maxUnavailable: { count: 1 } });
    expect(forecast.batches.map((b) => b.nodes.map((n) => n.node))).toEqual([['cp'], ['w1'], ['w2']]);
    expect(forecast.skipped).toEqual([{ node: 'w3', reason: 'its kubelet already runs v1.37.1' }]);
    const [, w1, w2] = forecast.batches;
    expect(w1.nodes[0]).toEqual({
      node: 'w1',
      evicts: ['default/web-1', 'default/web-2'],
      budgets: [{ pdb: 'default/web', pods: ['default/web-1', 'default/web-2'], disruptionsAllowed: 1, afterEarlierNodes: 1, waits: 1 }],
      needsForce: ['default/lonely'],
      needsDeleteEmptyDirData: [],
    });
    expect(w1.capacity.fits).toBe(true);
    expect(w2.nodes[0]).toMatchObject({ evicts: ['default/web-3'], needsDeleteEmptyDirData: ['default/cache'], needsForce: [] });
    expect(w2.nodes[0].budgets[0]).toMatchObject({ disruptionsAllowed: 1, afterEarlierNodes: 1, waits: 0 });
  });

  it('spends a budget across the nodes of one batch', () => {
    const forecast = forecastDrains({ ...input, maxUnavailable: { count: 2 } });
    const [w1, w2] = forecast.batches[1].nodes;
    expect(w1.budgets[0]).toMatchObject({ disruptionsAllowed: 1, afterEarlierNodes: 1, waits: 1 });
    expect(w2.budgets[0]).toMatchObject({ disruptionsAllowed: 1, afterEarlierNodes: 0, waits: 1 });
  });

  it('says when the schedulable nodes left have no room', () => {
    const small = [node('cp', { controlPlane: true }), node('w1'), node('w2', { cpu: '150m' })];
    const forecast = forecastDrains({ ...input, nodes: small, maxUnavailable: { count: 1 } });
    const w1 = forecast.batches.find((b) => b.nodes[0].node === 'w1')!;
    expect(w1.capacity.fits).toBe(false);
    expect(w1.capacity.summary).toContain('1 other schedulable node(s)');
  });
});
