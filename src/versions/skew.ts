/**
 * Kubernetes' version-skew policy as bosun enforces it on upgrades: the control plane moves forward one minor
 * at a time, to a release bosun knows; kubelets are never newer than the API server and at most three minors
 * older; control-plane components are at most one minor apart.
 */
import semver from 'semver';
import { kubernetesVersionProblem, normalizeKubernetesVersion } from '../config/version.js';
import { PINNED_KUBERNETES_VERSIONS } from './pinned.js';

/** How many minors a kubelet may lag behind the API server. */
export const KUBELET_MAX_MINOR_LAG = 3;

/** Each rule has a name, so a refusal says which one forbids the upgrade. */
export type SkewRule = 'version-format' | 'known-version' | 'no-downgrade' | 'one-minor-at-a-time' | 'pre-release' | 'kubelet-skew' | 'control-plane-skew';

/** The flag that lets an upgrade through a rule anyway; rules without one are never overridden. */
export type SkewOverride = '--force' | '--allow-experimental-upgrades' | '--allow-release-candidate-upgrades';

export interface SkewViolation {
  rule: SkewRule;
  message: string;
  override?: SkewOverride;
}

export interface NodeVersion {
  node: string;
  version: string;
}

export interface ComponentVersion extends NodeVersion {
  component: string;
}

export interface UpgradeCheckInput {
  /** The cluster's version: what its API server reports. */
  current: string;
  target: string;
  kubelets: NodeVersion[];
  /** Control-plane components on every control-plane node (from their mirror Pods). */
  controlPlane: ComponentVersion[];
  /** Releases bosun knows; default: its pinned releases. */
  known?: readonly string[];
}

/** `1.37.1` or `v1.37.1` as a semver; undefined when it is none. */
export function parseKubernetesVersion(text: string): semver.SemVer | undefined {
  return semver.parse(normalizeKubernetesVersion(text.trim()).replace(/^v/, '')) ?? undefined;
}

/** `v1.37` for a version. */
export function minorLine(version: semver.SemVer): string {
  return `v${version.major}.${version.minor}`;
}

const minorIndex = (v: semver.SemVer) => v.major * 1000 + v.minor;

/** The newest release bosun knows in a minor line, if any. */
function newestKnownPatch(line: semver.SemVer, known: readonly string[] = PINNED_KUBERNETES_VERSIONS): string | undefined {
  return known
    .map((k) => parseKubernetesVersion(k)!)
    .filter((k) => k.major === line.major && k.minor === line.minor)
    .sort(semver.compare)
    .map((k) => `v${k.version}`)
    .at(-1);
}

/** What is wrong with a kubelet of `kubelet` under an API server of `apiServer`, if anything. */
export function kubeletSkewProblem(apiServer: string, kubelet: string): string | undefined {
  const api = parseKubernetesVersion(apiServer);
  const k = parseKubernetesVersion(kubelet);
  if (!api || !k) return k ? undefined : `"${kubelet}" is not a Kubernetes version`;
  if (minorIndex(k) > minorIndex(api)) {
    return `kubelet ${kubelet} is newer than the API server ${apiServer}`;
  }
  if (minorIndex(api) - minorIndex(k) > KUBELET_MAX_MINOR_LAG) {
    return `kubelet ${kubelet} is more than ${KUBELET_MAX_MINOR_LAG} minors older than the API server ${apiServer}`;
  }
  return undefined;
}

function preReleaseViolation(target: semver.SemVer, text: string): SkewViolation | undefined {
  const pre = target.prerelease.join('.');
  if (!pre) return undefined;
  if (/^rc\b/.test(pre)) {
    return { rule: 'pre-release', override: '--allow-release-candidate-upgrades', message: `${text} is a release candidate` };
  }
  return { rule: 'pre-release', override: '--allow-experimental-upgrades', message: `${text} is an alpha, beta or development build` };
}

/**
 * Every rule an upgrade of the control plane from `current` to `target` breaks (an empty list: allowed).
 * Upgrading to the current version again is allowed (it re-applies the configuration).
 */
export function controlPlaneUpgradeViolations(input: UpgradeCheckInput): SkewViolation[] {
  const targetText = normalizeKubernetesVersion(input.target.trim());
  const formatProblem = kubernetesVersionProblem(targetText);
  const target = parseKubernetesVersion(targetText);
  if (!target) return [{ rule: 'version-format', message: formatProblem ?? `"${input.target}" is not a Kubernetes version` }];
  const current = parseKubernetesVersion(input.current);
  if (!current) return [{ rule: 'version-format', message: `the cluster reports version "${input.current}", which is not a Kubernetes version` }];
  const violations: SkewViolation[] = [];
  const known = input.known ?? PINNED_KUBERNETES_VERSIONS;

  if (formatProblem) violations.push({ rule: 'known-version', message: formatProblem });
  if (semver.compare(target, current) < 0) {
    violations.push({
      rule: 'no-downgrade',
      message: `${targetText} is older than the cluster's ${input.current}: bosun upgrades only forward (restore the control plane from its backups in /etc/kubernetes/tmp to go back)`,
    });
  } else if (minorIndex(target) > minorIndex(current) + 1) {
    const next = `${current.major}.${current.minor + 1}`;
    const via = newestKnownPatch(semver.parse(`${next}.0`)!, known);
    violations.push({
      rule: 'one-minor-at-a-time',
      message: `${targetText} is more than one minor ahead of the cluster's ${input.current}: the control plane is upgraded one minor version at a time; upgrade to ${via ?? `v${next}.x`} first`,
    });
  }
  if (!formatProblem) {
    const newest = newestKnownPatch(target, known);
    if (newest && semver.compare(target, parseKubernetesVersion(newest)!) > 0) {
      violations.push({
        rule: 'known-version',
        override: '--force',
        message: `${targetText} is newer than the newest ${minorLine(target)} release bosun knows (${newest}); its images may not exist`,
      });
    }
  }
  const preRelease = preReleaseViolation(target, targetText);
  if (preRelease) violations.push(preRelease);
  // Skew follows from a target that may be taken at all; for one that may not, it only adds noise.
  if (violations.some((v) => !v.override)) return violations;

  const badKubelets = input.kubelets.flatMap((k) => {
    const problem = kubeletSkewProblem(targetText, k.version);
    return problem ? [`${k.node} (${problem})`] : [];
  });
  if (badKubelets.length) {
    violations.push({
      rule: 'kubelet-skew',
      override: '--force',
      message: `kubelets must not be newer than the API server nor more than ${KUBELET_MAX_MINOR_LAG} minors older; after this upgrade they would be on: ${badKubelets.join(', ')}`,
    });
  }
  // Components at the cluster's minor move with this upgrade (here or by `upgrade node`); one already behind it stays.
  const behind = input.controlPlane.filter((c) => {
    const v = parseKubernetesVersion(c.version);
    return v && minorIndex(v) < minorIndex(current) && minorIndex(target) - minorIndex(v) > 1;
  });
  if (behind.length) {
    violations.push({
      rule: 'control-plane-skew',
      override: '--force',
      message: `control-plane components may be at most one minor apart; these would be further behind ${targetText}: ${behind.map((c) => `${c.component} ${c.version} on ${c.node}`).join(', ')} (run "bosun upgrade node" there first)`,
    });
  }
  return violations;
}

/** The violations the given overrides do not let through. */
export function blockingViolations(violations: SkewViolation[], overrides: ReadonlySet<SkewOverride>): SkewViolation[] {
  // Experimental upgrades include release candidates, as in kubeadm.
  const allowed = (o: SkewOverride) => overrides.has(o) || (o === '--allow-release-candidate-upgrades' && overrides.has('--allow-experimental-upgrades'));
  return violations.filter((v) => !v.override || !allowed(v.override));
}

/** One line per violation: `[rule] message (override with --flag)`. */
export function describeViolations(violations: SkewViolation[]): string {
  return violations.map((v) => `[${v.rule}] ${v.message}${v.override ? ` (${v.override} overrides this)` : ''}`).join('\n  ');
}

/**
 * Where the control plane can go from `current` with the releases bosun knows: the newest patch of its own minor
 * and the newest release of the next minor (each only when newer than `current`).
 */
export function upgradeTargets(current: string, known: readonly string[] = PINNED_KUBERNETES_VERSIONS): { patch?: string; minor?: string } {
  const now = parseKubernetesVersion(current);
  if (!now) return {};
  const newer = (v: string | undefined) => (v && semver.compare(parseKubernetesVersion(v)!, now) > 0 ? v : undefined);
  return {
    patch: newer(newestKnownPatch(now, known)),
    minor: newer(newestKnownPatch(semver.parse(`${now.major}.${now.minor + 1}.0`)!, known)),
  };
}

/** The etcd image tags kubeadm uses (`3.6.8-0`): refuses to go back, as etcd cannot read newer data. */
export function etcdDowngradeProblem(currentTag: string, targetTag: string): string | undefined {
  const current = semver.parse(currentTag.replace(/^v/, ''));
  const target = semver.parse(targetTag.replace(/^v/, ''));
  if (!current || !target || semver.compare(target, current) >= 0) return undefined;
  return `etcd ${targetTag} is older than the running ${currentTag}: etcd is never downgraded`;
}
