import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAIN_OPTIONS, drainErrors, drainWarnings, filterPods, podsToDelete, type DrainOptions } from '../../../src/drain/planner/filters.js';
import { pod } from './fixtures.js';

const facts = (daemonSets: string[] = ['default/agent']) => ({
  daemonSetExists: (ns: string, name: string) => daemonSets.includes(`${ns}/${name}`),
  now: Date.now(),
});
const opts = (o: Partial<DrainOptions> = {}): DrainOptions => ({ ...DEFAULT_DRAIN_OPTIONS, ...o });

describe('drain filters (kubectl order and messages)', () => {
  const node = [
    pod('web-1', { owner: 'ReplicaSet/web' }),
    pod('agent-x', { owner: 'DaemonSet/agent' }),
    pod('bare', {}),
    pod('bare2', {}),
    pod('scratch', { owner: 'ReplicaSet/cache', emptyDir: true }),
    pod('logs', { owner: 'ReplicaSet/logs', hostPath: true }),
    pod('kube-apiserver-n1', { mirror: true }),
  ];

  it('refuses DaemonSet pods, unreplicated pods and local storage, one error per message, pods in list order', () => {
    const decisions = filterPods(node, opts(), facts());
    expect(drainErrors(decisions)).toEqual([
      'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/agent-x',
      'cannot delete Pods that declare no controller (use --force to override): default/bare, default/bare2',
      'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratch',
    ]);
    // hostPath is not local storage; mirror pods are skipped silently.
    expect(decisions.find((d) => d.pod.metadata.name === 'logs')).toMatchObject({ delete: true, reason: 'okay' });
    expect(decisions.find((d) => d.pod.metadata.name === 'kube-apiserver-n1')).toMatchObject({ delete: false, reason: 'skip', filter: 'mirror' });
  });

  it('with the flags: warns (kubectl keeps only the last warning of a pod) and deletes all but DaemonSet and mirror pods', () => {
    const decisions = filterPods(node, opts({ ignoreDaemonSets: true, force: true, deleteEmptyDirData: true }), facts());
    expect(drainErrors(decisions)).toEqual([]);
    // scratch's local-storage warning is overwritten by the next filter's okay, as in kubectl.
    expect(drainWarnings(decisions)).toBe(
      'ignoring DaemonSet-managed Pods: default/agent-x; deleting Pods that declare no controller: default/bare, default/bare2',
    );
    expect(podsToDelete(decisions).map((p) => p.metadata.name)).toEqual(['web-1', 'bare', 'bare2', 'scratch', 'logs']);
    const lone = filterPods([pod('tmp', { emptyDir: true })], opts({ force: true, deleteEmptyDirData: true }), facts());
    expect(drainWarnings(lone)).toBe('deleting Pods that declare no controller: default/tmp');
  });

  it('lets finished pods go whatever they are, and orphaned DaemonSet pods only with --force', () => {
    const finished = [pod('done', { phase: 'Succeeded', emptyDir: true }), pod('ds-done', { owner: 'DaemonSet/agent', phase: 'Failed' })];
    expect(podsToDelete(filterPods(finished, opts(), facts())).length).toBe(2);
    const orphan = [pod('old-agent', { owner: 'DaemonSet/gone' })];
    expect(drainErrors(filterPods(orphan, opts({ ignoreDaemonSets: true }), facts()))).toEqual([
      'cannot delete daemonsets.apps "gone" not found: default/old-agent',
    ]);
    const forced = filterPods(orphan, opts({ ignoreDaemonSets: true, force: true }), facts());
    // Deleted; kubectl's later filters overwrite the warning, so none is printed.
    expect(forced[0]).toMatchObject({ delete: true, reason: 'okay' });
  });

  it('skips pods deleted longer ago than --skip-wait-for-delete-timeout', () => {
    const pods = [pod('stuck', { owner: 'ReplicaSet/a', deletedAgoSeconds: 120 }), pod('fresh', { owner: 'ReplicaSet/a', deletedAgoSeconds: 5 })];
    expect(podsToDelete(filterPods(pods, opts(), facts())).length).toBe(2);
    expect(podsToDelete(filterPods(pods, opts({ skipWaitForDeleteTimeoutSeconds: 60 }), facts())).map((p) => p.metadata.name)).toEqual(['fresh']);
  });
});
