import { describe, expect, it } from 'vitest';
import { host } from './hosts.js';
import { changes, planApply, planTable, upgradeText, type HostSurvey } from '../../../src/commands/apply/plan.js';
import { checkResetHosts, planDepartures } from '../../../src/commands/apply/prune-plan.js';
import { keptText } from '../../../src/commands/apply/prune.js';
import { versionChange } from '../../../src/commands/apply/upgrade.js';
import { parseClusterDocument, type InventoryHost } from '../../../src/inventory/inventory.js';
import { CONTROL_PLANE_LABEL } from '../../../src/kube/labels.js';
import type { Node } from '../../../src/kube/workloads.js';

const node = (name: string, controlPlane = false): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, ...(controlPlane && { labels: { [CONTROL_PLANE_LABEL]: '' } }) },
});
const isNode: HostSurvey = { kubelet: 'v1.36.3', kubeletConf: true, adminConf: false };
const isControlPlane: HostSurvey = { ...isNode, adminConf: true };
const fresh: HostSurvey = { kubeletConf: false, adminConf: false };
const NODES = [node('cp-1', true), node('cp-2', true), node('w-1'), node('w-2')];
const surveysOf = (hosts: InventoryHost[]) => new Map(hosts.map((h) => [h.name, h.role === 'control-plane' ? isControlPlane : isNode]));
const summary = (d: ReturnType<typeof planDepartures>) => d.map((x) => `${x.name}:${x.role}:${x.action}${x.host ? ':reachable' : ''}`);

describe("bosun apply's departures (--prune)", () => {
  it('a Node the file does not name is kept without --prune, and the plan says how to remove it', () => {
    const hosts = [host('cp-1', 'control-plane'), host('cp-2', 'control-plane'), host('w-1')];
    const departures = planDepartures(hosts, surveysOf(hosts), NODES, false);
    expect(summary(departures)).toEqual(['w-2:worker:keep']);
    expect(departures[0].why).toBe('not in the file: kept (give --prune to remove)');
    const plan = planApply(hosts, surveysOf(hosts), new Set(NODES.map((n) => n.metadata.name)), 'v1.36.3', undefined, departures);
    expect(changes(plan)).toBe(false);
    expect(keptText(plan)).toBe('\n[apply] w-2: not in the file: kept (give --prune to remove)');
    expect(planTable(plan, 'v1.36.3')).toMatch(/w-2 +worker +- +leave alone +not in the file: kept \(give --prune to remove\)/);
  });

  it('with --prune: removed, workers before control-plane nodes; a stray machine is left with its files, a reset host is reached', () => {
    const hosts = [host('cp-1', 'control-plane'), host('cp-2', 'control-plane', true)];
    const departures = planDepartures(hosts, surveysOf(hosts), NODES, true);
    expect(summary(departures)).toEqual(['w-1:worker:remove', 'w-2:worker:remove', 'cp-2:control-plane:remove:reachable']);
    expect(departures[0].why).toMatch(/bosun cannot reach its machine: its files are left/);
    const plan = planApply(
      hosts.filter((h) => !h.reset),
      surveysOf(hosts),
      new Set(NODES.map((n) => n.metadata.name)),
      'v1.36.3',
      undefined,
      departures,
    );
    expect(changes(plan)).toBe(true);
    expect(planTable(plan, 'v1.36.3')).toMatch(/cp-2 +control-plane +- +remove \(drain, etcd member, Node\) +reset: true in the file/);
  });

  it('a reset host that is no node and has no files is already gone: nothing to do', () => {
    const hosts = [host('cp-1', 'control-plane'), host('w-9', 'worker', true)];
    const surveys = new Map([
      ['cp-1', isControlPlane],
      ['w-9', fresh],
    ]);
    expect(planDepartures(hosts, surveys, [node('cp-1', true)], true)).toEqual([]);
  });

  it('never removes every control-plane node, nor the only control-plane host that reaches the cluster', () => {
    const hosts = [host('cp-1', 'control-plane', true), host('cp-9', 'control-plane')];
    expect(() => planDepartures(hosts, surveysOf(hosts), [node('cp-1', true), node('w-1')], true)).toThrow(/would remove every control-plane node/);
    const surveys = new Map([
      ['cp-1', isControlPlane],
      ['cp-9', fresh],
    ]);
    expect(() => checkResetHosts(hosts, surveys)).toThrow(/host cp-1: marked reset: true, but no other control-plane host of the file is a node/);
    expect(() => checkResetHosts([host('cp-1', 'control-plane', true), host('w-1')], surveys)).toThrow(/every control-plane host of the file is marked reset/);
    expect(() => checkResetHosts(hosts, surveysOf(hosts))).not.toThrow();
  });

  it('the cluster file marks a host with reset: true', () => {
    const doc = (reset: string) =>
      `apiVersion: bosun.dev/v1alpha1\nkind: Cluster\nspec:\n  hosts:\n  - {name: cp-1, role: control-plane, ssh: {address: 10.0.0.1}${reset}}\n`;
    expect(parseClusterDocument(doc(', reset: true'), 'c.yaml').hosts[0].reset).toBe(true);
    expect(parseClusterDocument(doc(''), 'c.yaml').hosts[0]).not.toHaveProperty('reset');
    expect(() => parseClusterDocument(doc(', reset: yes please'), 'c.yaml')).toThrow(/c\.yaml: Cluster: spec\.hosts\[0\]\.reset/);
  });

  it('no cluster yet: nothing leaves', () => {
    expect(planDepartures([host('cp-1', 'control-plane')], new Map([['cp-1', fresh]]), undefined, true)).toEqual([]);
  });
});

describe("bosun apply and the cluster's version", () => {
  it('a newer version in the file is an upgrade, shown under the plan; an older one is refused', () => {
    expect(versionChange('c.yaml', 'v1.37.1', 'v1.36.3')).toEqual({ from: 'v1.36.3', to: 'v1.37.1' });
    expect(() => versionChange('c.yaml', 'v1.35.0', 'v1.36.3')).toThrow(
      'c.yaml: kubernetesVersion is v1.35.0, the cluster runs v1.36.3; nothing was changed. Kubernetes clusters are not downgraded: put v1.36.3 back in the file',
    );
    expect(versionChange('c.yaml', 'v1.36.3', 'v1.36.3')).toBeUndefined();
    expect(versionChange('c.yaml', 'v1.36.3', undefined)).toBeUndefined();
    const hosts = [host('cp-1', 'control-plane'), host('w-1')];
    const plan = planApply(hosts, surveysOf(hosts), new Set(['cp-1', 'w-1']), 'v1.37.1');
    expect(changes(plan)).toBe(false);
    const upgrading = { ...plan, upgrade: { from: 'v1.36.3', to: 'v1.37.1' } };
    expect(changes(upgrading)).toBe(true);
    expect(upgradeText(upgrading)).toBe(
      'Upgrade v1.36.3 → v1.37.1 first: the control plane on cp-1 (upgrade apply), then every node one after another (the roll of upgrade nodes)\n',
    );
    expect(upgradeText(plan)).toBe('');
  });
});
