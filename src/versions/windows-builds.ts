/**
 * The Windows Server builds Kubernetes supports for its nodes, by release (kubernetes.io "Windows containers in
 * Kubernetes", its compatibility table: LTSC releases only). A Windows node tells its build by the label the
 * kubelet sets (`node.kubernetes.io/windows-build: 10.0.17763`), its kernel version (`10.0.17763.6189`) or, last,
 * the name in its OS image (`Windows Server 2019 Datacenter`).
 */
import semver from 'semver';
import type { Node } from '../kube/workloads.js';
import { parseKubernetesVersion } from './skew.js';

/** Set by the kubelet on Windows nodes: major.minor.build of the OS. */
export const WINDOWS_BUILD_LABEL = 'node.kubernetes.io/windows-build';

interface WindowsServerRelease {
  build: string;
  name: string;
  /** The first Kubernetes minor release that supports it. */
  since: string;
}

export const WINDOWS_SERVER_RELEASES: readonly WindowsServerRelease[] = [
  { build: '10.0.17763', name: 'Windows Server 2019', since: '1.14.0' },
  { build: '10.0.20348', name: 'Windows Server 2022', since: '1.23.0' },
  // The first release listing it (unverified against the page's history; later releases all list it).
  { build: '10.0.26100', name: 'Windows Server 2025', since: '1.32.0' },
];

/** The node's Windows build (`10.0.17763`) and where it was read, or undefined when nothing the Node reports names one. */
export function windowsBuildOf(node: Node): { build: string; from: string } | undefined {
  const label = node.metadata.labels?.[WINDOWS_BUILD_LABEL];
  if (label) return { build: label.split('.').slice(0, 3).join('.'), from: `label ${WINDOWS_BUILD_LABEL}` };
  const kernel = /^(\d+\.\d+\.\d+)/.exec(node.status?.nodeInfo?.kernelVersion ?? '');
  if (kernel) return { build: kernel[1], from: 'its kernel version' };
  const image = node.status?.nodeInfo?.osImage ?? '';
  const named = WINDOWS_SERVER_RELEASES.find((r) => image.startsWith(r.name));
  return named && { build: named.build, from: `its OS image "${image}"` };
}

/** Why Kubernetes `target` does not support this Windows node's build, or undefined when it does. */
export function windowsBuildProblem(node: Node, target: string): string | undefined {
  const found = windowsBuildOf(node);
  if (!found) return `cannot tell its Windows build (no label ${WINDOWS_BUILD_LABEL}, kernel version or Windows Server OS image)`;
  const release = WINDOWS_SERVER_RELEASES.find((r) => r.build === found.build);
  const supported = WINDOWS_SERVER_RELEASES.filter((r) => isSupported(r, target)).map((r) => `${r.name} (${r.build})`);
  if (release && isSupported(release, target)) return undefined;
  const what = release ? `${release.name} (${found.build})` : `Windows build ${found.build}`;
  return `${what}, from ${found.from}, is not supported by Kubernetes ${target}, which supports ${supported.join(', ')}`;
}

function isSupported(release: WindowsServerRelease, target: string): boolean {
  const version = parseKubernetesVersion(target);
  return version !== undefined && semver.gte(`${version.major}.${version.minor}.0`, release.since);
}
