import type { LabelSelector } from '../../kube/workloads.js';

/**
 * Whether labels match a LabelSelector as metav1.LabelSelectorAsSelector reads it: every matchLabels pair
 * and every expression must hold; an absent (null) selector matches nothing, an empty one everything
 * (policy/v1's rule for PodDisruptionBudgets).
 */
export function selectorMatches(selector: LabelSelector | null | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const holds =
      operator === 'In'
        ? has && values.includes(labels[key])
        : operator === 'NotIn'
          ? !has || !values.includes(labels[key])
          : operator === 'Exists'
            ? has
            : operator === 'DoesNotExist'
              ? !has
              : false;
    if (!holds) return false;
  }
  return true;
}
