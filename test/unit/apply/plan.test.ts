import { describe, expect, it } from 'vitest';
import { host } from './hosts.js';
import { changes, planApply, planTable, preparesWindows, type HostSurvey } from '../../../src/commands/apply/plan.js';

const fresh: HostSurvey = { kubeletConf: false, adminConf: false };
const node: HostSurvey = { kubelet: 'v1.36.3', kubeletConf: true, adminConf: false };
const controlPlane: HostSurvey = { ...node, adminConf: true };
const HOSTS = [host('w-1'), host('cp-1', 'control-plane'), host('cp-2', 'control-plane'), host('w-2')];
const actions = (plan: ReturnType<typeof planApply>) => plan.hosts.map((h) => `${h.host.name}:${h.action}${h.installKubelet ? '+kubelet' : ''}`);

describe("bosun apply's plan", () => {
  it('on fresh hosts: init on the first control-plane host, the others join by role, kubelets installed where missing', () => {
    const surveys = new Map(HOSTS.map((h) => [h.name, h.name === 'w-2' ? { ...fresh, kubelet: 'v1.36.3' } : fresh]));
    const plan = planApply(HOSTS, surveys, undefined, 'v1.36.3');
    expect(plan.leader.name).toBe('cp-1');
    expect(plan.clusterExists).toBe(false);
    expect(actions(plan)).toEqual(['w-1:join-worker+kubelet', 'cp-1:init+kubelet', 'cp-2:join-control-plane+kubelet', 'w-2:join-worker']);
  });

  it('on a cluster that matches: nothing changes', () => {
    const surveys = new Map(HOSTS.map((h) => [h.name, h.role === 'control-plane' ? controlPlane : node]));
    const plan = planApply(HOSTS, surveys, new Set(HOSTS.map((h) => h.name)), 'v1.36.3');
    expect(actions(plan)).toEqual(['w-1:none', 'cp-1:none', 'cp-2:none', 'w-2:none']);
    expect(changes(plan)).toBe(false);
  });

  it('a host added to the file joins; the leader is a control-plane host that is a node, wherever it is listed', () => {
    const surveys = new Map<string, HostSurvey>([
      ['w-1', node],
      ['cp-1', fresh],
      ['cp-2', controlPlane],
      ['w-2', fresh],
    ]);
    const plan = planApply(HOSTS, surveys, new Set(['w-1', 'cp-2']), 'v1.36.3');
    expect(plan.leader.name).toBe('cp-2');
    expect(actions(plan)).toEqual(['w-1:none', 'cp-1:join-control-plane+kubelet', 'cp-2:none', 'w-2:join-worker+kubelet']);
    expect(plan.hosts[0].why).toBe('already a node');
  });

  it("says when a node's kubelet differs from the file's version, and leaves it", () => {
    const surveys = new Map(HOSTS.map((h) => [h.name, h.role === 'control-plane' ? controlPlane : node]));
    const plan = planApply(HOSTS, surveys, new Set(HOSTS.map((h) => h.name)), 'v1.37.1');
    expect(plan.hosts[0].why).toMatch(/its kubelet is v1\.36\.3, the file names v1\.37\.1/);
  });

  it('refuses a host that is a node of no cluster of this file, naming it', () => {
    const surveys = new Map(HOSTS.map((h) => [h.name, h.name === 'w-2' ? node : fresh]));
    expect(() => planApply(HOSTS, surveys, undefined, 'v1.36.3')).toThrow(/host w-2: it has \/etc\/kubernetes\/kubelet\.conf but is no Node of this cluster/);
    const joined = new Map(HOSTS.map((h) => [h.name, h.role === 'control-plane' ? controlPlane : node]));
    expect(() => planApply(HOSTS, joined, new Set(['cp-1', 'cp-2', 'w-1']), 'v1.36.3')).toThrow(/host w-2:/);
  });

  it('prepares a Windows worker before it joins; a Windows control-plane host is refused before anything changes', () => {
    const win = { ...host('win-1'), os: 'windows' as const };
    const surveys = new Map([...HOSTS, win].map((h) => [h.name, fresh]));
    const plan = planApply([...HOSTS, win], surveys, undefined, 'v1.36.3');
    expect(plan.hosts.filter(preparesWindows).map((h) => h.host.name)).toEqual(['win-1']);
    expect(planTable(plan, 'v1.36.3')).toMatch(/win-1 +worker +prepare Windows \(kubelet\.exe v1\.36\.3\) +join as worker/);
    const windowsControlPlane = { ...win, role: 'control-plane' as const };
    expect(() => planApply([windowsControlPlane, ...HOSTS], surveys, undefined, 'v1.36.3')).toThrow(
      /host win-1: os: windows with role: control-plane; a Windows node can only be a worker .*nothing was changed/,
    );
  });
});
