import { describe, expect, it } from 'vitest';
import {
  blockingViolations,
  controlPlaneUpgradeViolations,
  etcdDowngradeProblem,
  kubeletSkewProblem,
  upgradeTargets,
  type UpgradeCheckInput,
} from '../../../src/versions/skew.js';

const KNOWN = ['v1.36.3', 'v1.37.1'];
const check = (current: string, target: string, extra: Partial<UpgradeCheckInput> = {}) =>
  controlPlaneUpgradeViolations({ current, target, known: KNOWN, kubelets: [], controlPlane: [], ...extra });
const rules = (violations: { rule: string }[]) => violations.map((v) => v.rule);

describe('control-plane upgrade rules', () => {
  it('allows the next minor and a newer patch, and re-applying the same version', () => {
    expect(check('v1.36.3', 'v1.37.1')).toEqual([]);
    expect(check('v1.36.0', 'v1.36.3')).toEqual([]);
    expect(check('v1.37.1', 'v1.37.1')).toEqual([]);
    expect(check('v1.36.3', '1.37.1')).toEqual([]);
  });

  it('refuses a jump of two minors, naming the next step', () => {
    const [v] = check('v1.35.2', 'v1.37.1');
    expect(v).toMatchObject({ rule: 'one-minor-at-a-time' });
    expect(v.override).toBeUndefined();
    expect(v.message).toContain('upgrade to v1.36.3 first');
  });

  it('refuses a downgrade, also within a minor', () => {
    expect(rules(check('v1.37.1', 'v1.36.3'))).toEqual(['no-downgrade']);
    expect(rules(check('v1.37.1', 'v1.37.0'))).toEqual(['no-downgrade']);
  });

  it('refuses what is not a version, and minors bosun does not know', () => {
    const [notVersion] = check('v1.36.3', 'banana');
    expect(notVersion.rule).toBe('version-format');
    expect(notVersion.message).toContain('not a Kubernetes version');
    expect(check('v1.36.3', 'latest')[0].message).toContain('release label');
    const unknownMinor = check('v1.37.1', 'v1.38.0');
    expect(rules(unknownMinor)).toEqual(['known-version']);
    expect(unknownMinor[0].override).toBeUndefined();
  });

  it('lets an unknown patch of a known minor through only with --force', () => {
    const [v] = check('v1.36.3', 'v1.37.9');
    expect(v).toMatchObject({ rule: 'known-version', override: '--force' });
    expect(blockingViolations([v], new Set())).toHaveLength(1);
    expect(blockingViolations([v], new Set(['--force']))).toHaveLength(0);
  });

  it('needs an allow flag for pre-releases; experimental covers release candidates', () => {
    const [rc] = check('v1.36.3', 'v1.37.0-rc.1');
    expect(rc).toMatchObject({ rule: 'pre-release', override: '--allow-release-candidate-upgrades' });
    expect(blockingViolations([rc], new Set(['--allow-experimental-upgrades']))).toEqual([]);
    expect(check('v1.36.3', 'v1.37.0-alpha.2')[0].override).toBe('--allow-experimental-upgrades');
  });

  it('refuses (overridably) kubelets that would lag more than three minors, naming the nodes', () => {
    const kubelets = [
      { node: 'old', version: 'v1.33.4' },
      { node: 'ok', version: 'v1.34.0' },
    ];
    const [v] = check('v1.36.3', 'v1.37.1', { kubelets, known: ['v1.36.3', 'v1.37.1'] });
    expect(v).toMatchObject({ rule: 'kubelet-skew', override: '--force' });
    expect(v.message).toContain('old (kubelet v1.33.4 is more than 3 minors older');
    expect(v.message).not.toContain('ok (');
  });

  it('refuses (overridably) control-plane components that would fall two minors behind', () => {
    const controlPlane = [{ node: 'cp-2', component: 'kube-apiserver', version: 'v1.35.1' }];
    expect(check('v1.36.3', 'v1.37.1', { controlPlane })).toEqual([expect.objectContaining({ rule: 'control-plane-skew', override: '--force' })]);
  });
});

describe('kubelet skew', () => {
  it('allows equal and up to three minors older; refuses newer and older', () => {
    expect(kubeletSkewProblem('v1.37.1', 'v1.37.1')).toBeUndefined();
    expect(kubeletSkewProblem('v1.37.1', 'v1.34.0')).toBeUndefined();
    expect(kubeletSkewProblem('v1.37.1', 'v1.33.9')).toContain('more than 3 minors older');
    expect(kubeletSkewProblem('v1.36.3', 'v1.37.1')).toContain('newer than the API server');
  });
});

describe('upgrade targets', () => {
  it('offers the newest patch of the minor and the next minor, when newer', () => {
    expect(upgradeTargets('v1.36.1', KNOWN)).toEqual({ patch: 'v1.36.3', minor: 'v1.37.1' });
    expect(upgradeTargets('v1.36.3', KNOWN)).toEqual({ patch: undefined, minor: 'v1.37.1' });
    expect(upgradeTargets('v1.37.1', KNOWN)).toEqual({ patch: undefined, minor: undefined });
  });
});

describe('etcd', () => {
  it('is never downgraded', () => {
    expect(etcdDowngradeProblem('3.6.8-0', '3.7.0-0')).toBeUndefined();
    expect(etcdDowngradeProblem('3.7.0-0', '3.6.8-0')).toContain('never downgraded');
  });
});
