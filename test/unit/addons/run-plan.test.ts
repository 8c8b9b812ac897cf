import { describe, expect, it } from 'vitest';
import type { AddonPlan } from '../../../src/addons/addon.js';
import { ADDON_RECORD, nextRecord, parseAddonRecord, readAddonRecords } from '../../../src/addons/record.js';
import { planLines, removalPlan, rolloutState, runPlan } from '../../../src/addons/run-plan.js';
import type { KubeObject } from '../../../src/cluster/cluster.js';
import { configMap } from '../../../src/kube/objects.js';
import { FakeCluster } from './fake-cluster.js';

const NOW = new Date('2026-12-04T00:00:00Z');
const cm = (name: string, value = 'v') => configMap('demo', name, { k: value });
const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } };
const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'demo', name: 'web' };

function plan(objects: KubeObject[], extra: AddonPlan['actions'] = []): AddonPlan {
  return { addon: 'demo', version: 'v1', actions: [...objects.map((object) => ({ action: 'apply' as const, object })), ...extra], notes: [], warnings: [] };
}

function run(cluster: FakeCluster, p: AddonPlan, lines: string[] = []) {
  return runPlan(p, { cluster: cluster.asCluster(), io: { log: (l) => lines.push(l) }, now: NOW });
}

describe('the addon engine', () => {
  it('applies in order, records what it applied, and a second run changes nothing', async () => {
    const cluster = new FakeCluster();
    const lines: string[] = [];
    const first = await run(cluster, plan([ns, cm('a'), cm('b')]), lines);
    expect(first.record).toBe('written');
    expect(cluster.writes).toEqual(['apply Namespace demo', 'apply ConfigMap a', 'apply ConfigMap b', 'apply ConfigMap bosun-addons']);
    expect(lines).toEqual(['[addons] demo: applied Namespace demo', '[addons] demo: applied ConfigMap demo/a', '[addons] demo: applied ConfigMap demo/b']);
    const record = (await readAddonRecords(cluster.asCluster())).get('demo');
    expect(record).toEqual({
      version: 'v1',
      appliedAt: '2026-12-04T00:00:00.000Z',
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', name: 'demo' },
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo', name: 'a' },
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo', name: 'b' },
      ],
    });

    const versions = cluster.resourceVersions();
    const second = await runPlan(plan([ns, cm('a'), cm('b')]), {
      cluster: cluster.asCluster(),
      io: { log: () => undefined },
      now: new Date('2027-01-01T00:00:00Z'),
    });
    expect(second.record).toBe('unchanged');
    expect(cluster.resourceVersions()).toEqual(versions);
    expect(cluster.writes).toHaveLength(4);
  });

  it('forces only over objects bosun recorded applying', async () => {
    const cluster = new FakeCluster();
    await run(cluster, plan([cm('a')]));
    expect(cluster.forced).toEqual([]);
    await run(cluster, plan([cm('a', 'changed'), cm('new')]));
    expect(cluster.forced).toEqual(['v1|ConfigMap|demo|a']);
  });

  it('keeps other addons’ keys, leaves out what a plan deleted, keeps what it did not touch', async () => {
    const cluster = new FakeCluster();
    cluster.put(configMap('kube-system', 'bosun-addons', { other: 'version: v9\nappliedAt: x\nobjects: []\n' }));
    await run(cluster, plan([cm('a'), cm('b')]));
    await run(
      cluster,
      plan([cm('c')], [{ action: 'delete', ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo', name: 'a' }, reason: 'gone upstream' }]),
    );
    const records = await readAddonRecords(cluster.asCluster());
    expect(records.get('other')?.version).toBe('v9');
    expect(records.get('demo')?.objects.map((o) => o.name)).toEqual(['b', 'c']);
    expect(await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'demo', name: 'a' })).toBeUndefined();
  });

  it('removes newest first, Namespaces and CRDs last, and drops the record key', async () => {
    const cluster = new FakeCluster();
    const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'things.example.com' } };
    await run(cluster, plan([crd, ns, cm('a'), cm('b')]));
    const record = (await readAddonRecords(cluster.asCluster())).get('demo')!;
    const removal = removalPlan('demo', record);
    expect(planLines(removal).slice(1)).toEqual([
      '  1. delete ConfigMap demo/b (bosun addon remove demo)',
      '  2. delete ConfigMap demo/a (bosun addon remove demo)',
      '  3. delete Namespace demo (bosun addon remove demo)',
      '  4. delete CustomResourceDefinition things.example.com (bosun addon remove demo)',
    ]);
    expect((await run(cluster, removal)).record).toBe('dropped');
    expect((await cluster.get<ReturnType<typeof configMap>>(ADDON_RECORD))?.data).toEqual({});
    expect([...cluster.objects.keys()]).toEqual(['v1|ConfigMap|kube-system|bosun-addons']);
  });

  it('waits for a rollout, and names what it saw when it does not come', async () => {
    const cluster = new FakeCluster();
    const deployment = (status: Record<string, number>): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'demo', generation: 2 },
      spec: { replicas: 2 },
      status,
    });
    cluster.put(deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 1 }));
    const wait = { action: 'wait-rollout' as const, ref: deploymentRef, timeoutSeconds: 5 };
    await expect(run(cluster, plan([], [wait]))).rejects.toThrow(
      'Deployment demo/web: did not roll out within 5s: 2 of 2 updated, 1 available, 1 old still there',
    );
    cluster.put(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }));
    const lines: string[] = [];
    await run(cluster, plan([], [wait]), lines);
    expect(lines).toEqual(['[addons] demo: waiting for Deployment demo/web to roll out (up to 5s)', '[addons] demo: Deployment demo/web rolled out']);
  });
});

describe('rollout state', () => {
  const ds = (status: Record<string, number>, generation = 1): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'd', generation },
    status,
  });
  it('judges DaemonSets by their scheduled numbers, after the controller saw the spec', () => {
    expect(rolloutState(ds({ observedGeneration: 1, desiredNumberScheduled: 0 }))).toBe(true);
    expect(rolloutState(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }))).toBe(true);
    expect(rolloutState(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }))).toBe(
      '3 of 3 updated, 2 available',
    );
    expect(rolloutState(ds({ observedGeneration: 1 }, 2))).toBe('its controller has not seen the latest spec yet');
    expect(rolloutState(undefined)).toBe('not there');
  });
});

describe('the ownership record', () => {
  it('keeps what earlier runs applied in its order, less what this run deleted, then what this run applied first', () => {
    const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name });
    const previous = { version: 'v1', appliedAt: 't0', objects: [ref('a'), ref('b'), ref('c')] };
    expect(nextRecord(previous, 'v2', 't1', [ref('c'), ref('d'), ref('d')], [ref('a')])).toEqual({
      version: 'v2',
      appliedAt: 't1',
      objects: [ref('b'), ref('c'), ref('d')],
    });
    // A plan that leaves an object out (CoreDNS keeping the operator's Corefile) leaves the record as it was.
    expect(nextRecord(previous, 'v1', 't2', [ref('b'), ref('c')], []).objects).toEqual(previous.objects);
  });

  it('refuses a value bosun did not write, naming the key', () => {
    expect(() => parseAddonRecord('flannel', 'objects: 3')).toThrow('ConfigMap kube-system/bosun-addons: key flannel: expected {version, appliedAt, objects');
    expect(() => parseAddonRecord('flannel', '{')).toThrow(/key flannel: not YAML/);
  });
});
