import { describe, expect, it } from 'vitest';
import { host } from './hosts.js';
import type { ApplyJournal } from '../../../src/commands/apply/journal.js';
import { planApply, type HostSurvey } from '../../../src/commands/apply/plan.js';

const fresh: HostSurvey = { kubelet: 'v1.36.3', kubeletConf: false, adminConf: false };
const node: HostSurvey = { ...fresh, kubeletConf: true };
const controlPlane: HostSurvey = { ...node, adminConf: true };
const HOSTS = [host('cp-1', 'control-plane'), host('cp-2', 'control-plane'), host('w-1'), host('w-2')];
const journal = (edit: Partial<ApplyJournal>): ApplyJournal => ({ kind: 'ApplyJournal', leader: 'cp-1', initializing: false, joining: [], ...edit });
const actions = (plan: ReturnType<typeof planApply>) => plan.hosts.map((h) => `${h.host.name}:${h.action}${h.resumed ? ' (resumed)' : ''}`);
const surveys = (edit: Record<string, HostSurvey>) => new Map(HOSTS.map((h) => [h.name, edit[h.name] ?? fresh]));

describe("bosun apply's plan after an interrupted run", () => {
  it('finishes an interrupted init on its host (half written: admin.conf, kubelet.conf) instead of refusing it or starting another', () => {
    // Killed mid-init on cp-2 (listed second): its files make it look like a node of some cluster whose API may not answer.
    const plan = planApply(HOSTS, surveys({ 'cp-2': controlPlane }), undefined, 'v1.36.3', journal({ leader: 'cp-2', initializing: true }));
    expect(plan.leader.name).toBe('cp-2');
    expect(plan.clusterExists).toBe(false);
    expect(actions(plan)).toEqual(['cp-1:join-control-plane', 'cp-2:init (resumed)', 'w-1:join-worker', 'w-2:join-worker']);
    expect(plan.hosts[1].why).toBe('resuming its interrupted init');
  });

  it('without the journal, the same half-initialised host is refused as another cluster’s', () => {
    expect(() => planApply(HOSTS, surveys({ 'cp-2': { ...node, adminConf: false }, 'cp-1': fresh }), undefined, 'v1.36.3')).toThrow(
      /host cp-2: it has \/etc\/kubernetes\/kubelet\.conf but is no Node of this cluster/,
    );
  });

  it('refuses to finish an init on a host the file no longer lists as a control-plane host, naming it; nothing is planned', () => {
    const workerNow = [host('cp-1', 'control-plane'), host('cp-2'), host('w-1')];
    expect(() => planApply(workerNow, surveys({}), undefined, 'v1.36.3', journal({ leader: 'cp-2', initializing: true }))).toThrow(
      /initialising the cluster on host cp-2, which the cluster file no longer lists as a control-plane host; nothing was changed/,
    );
  });

  it("finishes the joins the journal names, whether or not the host's Node registered; other hosts as usual", () => {
    const found = surveys({ 'cp-1': controlPlane, 'cp-2': controlPlane, 'w-1': node, 'w-2': node });
    // cp-2 registered but may lack mark-control-plane; w-2 has its kubelet.conf but no Node yet.
    const plan = planApply(HOSTS, found, new Set(['cp-1', 'cp-2', 'w-1']), 'v1.36.3', journal({ joining: ['cp-2', 'w-2'] }));
    expect(plan.clusterExists).toBe(true);
    expect(actions(plan)).toEqual(['cp-1:none', 'cp-2:join-control-plane (resumed)', 'w-1:none', 'w-2:join-worker (resumed)']);
  });

  it('a host with kubelet.conf, no Node and not in the journal is still refused', () => {
    const found = surveys({ 'cp-1': controlPlane, 'w-1': node, 'w-2': node });
    expect(() => planApply(HOSTS, found, new Set(['cp-1']), 'v1.36.3', journal({ joining: ['w-1'] }))).toThrow(/host w-2:/);
  });

  it('a journal whose init finished changes nothing for hosts that are nodes', () => {
    const found = surveys({ 'cp-1': controlPlane, 'cp-2': controlPlane, 'w-1': node, 'w-2': node });
    const plan = planApply(HOSTS, found, new Set(HOSTS.map((h) => h.name)), 'v1.36.3', journal({}));
    expect(actions(plan)).toEqual(['cp-1:none', 'cp-2:none', 'w-1:none', 'w-2:none']);
  });
});
