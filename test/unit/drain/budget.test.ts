import { describe, expect, it } from 'vitest';
import { budgetVerdict, describeBudget, forecastBudgets } from '../../../src/drain/planner/budget.js';
import { selectorMatches } from '../../../src/drain/planner/selector.js';
import { pdb, pod } from './fixtures.js';

describe('label selectors', () => {
  it('match labels and expressions; a null selector matches nothing, an empty one everything', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches(null, labels)).toBe(false);
  });
});

describe('PodDisruptionBudget accounting', () => {
  const web = pdb('web', { matchLabels: { app: 'web' } }, { disruptionsAllowed: 1, currentHealthy: 10, desiredHealthy: 9, expectedPods: 10 });

  it('finds the one budget of a pod; several budgets cannot be evicted; unhealthy pods may go under AlwaysAllow', () => {
    const p = pod('web-1', { labels: { app: 'web' } });
    expect(budgetVerdict(p, [web])).toMatchObject({ kind: 'budget' });
    expect(budgetVerdict(p, [pdb('other', { matchLabels: { app: 'web' } }, {}, 'kube-system')])).toEqual({ kind: 'free' });
    expect(budgetVerdict(p, [web, pdb('all', {})])).toMatchObject({ kind: 'multiple' });
    const unready = pod('web-2', { labels: { app: 'web' }, ready: false });
    const always = { ...web, spec: { ...web.spec, unhealthyPodEvictionPolicy: 'AlwaysAllow' as const } };
    expect(budgetVerdict(unready, [always])).toEqual({ kind: 'free' });
    const starved = pdb('web', { matchLabels: { app: 'web' } }, { currentHealthy: 8, desiredHealthy: 9, expectedPods: 10 });
    expect(budgetVerdict(unready, [starved])).toMatchObject({ kind: 'budget' });
  });

  it('says why a pod waits', () => {
    expect(describeBudget(web)).toBe('PodDisruptionBudget default/web allows 1 disruption(s) (needs 9 healthy, has 10 of 10)');
    const evicting = { ...web, status: { ...web.status, disruptionsAllowed: 0, disruptedPods: { 'web-0': '2026-01-01T00:00:00Z' } } };
    expect(describeBudget(evicting)).toBe(
      'PodDisruptionBudget default/web allows 0 disruption(s) (needs 9 healthy, has 10 of 10; counted as evicted: web-0 since 2026-01-01T00:00:00Z)',
    );
    const unobserved = { ...web, metadata: { ...web.metadata, generation: 2 } };
    expect(describeBudget(unobserved)).toBe('PodDisruptionBudget default/web is not yet observed by the disruption controller');
  });

  it('forecasts the waits of a drain and the budgets that never allow an eviction', () => {
    const pods = [1, 2, 3, 4].map((i) => pod(`web-${i}`, { labels: { app: 'web' } }));
    const all = pdb('db', { matchLabels: { app: 'db' } }, { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 3 });
    const [w, d] = forecastBudgets([...pods, pod('db-0', { labels: { app: 'db' } })], [web, all]);
    expect(w).toMatchObject({ pdb: 'default/web', disruptionsAllowed: 1, perRound: 1, rounds: 3 });
    expect(w.blocker).toBeUndefined();
    expect(d.blocker).toMatch(/^PodDisruptionBudget default\/db allows 0 disruption\(s\) .*: it never allows an eviction/);
  });
});
