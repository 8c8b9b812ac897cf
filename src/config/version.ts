import semver from 'semver';
import { PINNED_KUBERNETES_VERSIONS } from '../versions/pinned.js';
import { quote } from '../errors.js';

/**
 * The Kubernetes versions bosun deploys: its pinned minors, and one minor older for the control plane
 * (kubeadm deploys its own minor and the one before it).
 */
const pinnedMinors = PINNED_KUBERNETES_VERSIONS.map((v) => semver.minor(v));
const SUPPORTED_MINORS = { min: Math.min(...pinnedMinors) - 1, max: Math.max(...pinnedMinors) };

/** `1.37.1` -> `v1.37.1`: kubeadm writes versions with the `v`. */
export function normalizeKubernetesVersion(version: string): string {
  return /^\d/.test(version) ? `v${version}` : version;
}

/** The problem with a Kubernetes version, or undefined when bosun can deploy it. */
export function kubernetesVersionProblem(version: string): string | undefined {
  if (/\s/.test(version)) return `${quote(version)} contains whitespace; expected a version such as ${PINNED_KUBERNETES_VERSIONS.at(-1)}`;
  const supported = `expected v1.${SUPPORTED_MINORS.min}.x to v1.${SUPPORTED_MINORS.max}.x (bosun is pinned to ${PINNED_KUBERNETES_VERSIONS.join(', ')} and deploys one older control-plane minor)`;
  if (/^(stable|latest|ci)([-/].*)?$/.test(version)) {
    return `${quote(version)} is a release label, which needs the internet to resolve; bosun needs an exact version, e.g. ${PINNED_KUBERNETES_VERSIONS.at(-1)}`;
  }
  const parsed = /^v\d/.test(version) ? semver.parse(version.slice(1)) : null;
  if (!parsed) return `${quote(version)} is not a Kubernetes version; expected a semantic version like ${PINNED_KUBERNETES_VERSIONS.at(-1)}`;
  if (parsed.major !== 1 || parsed.minor < SUPPORTED_MINORS.min || parsed.minor > SUPPORTED_MINORS.max) {
    return `${version} is not supported; ${supported}`;
  }
  return undefined;
}
