/**
 * The Windows Server releases a Windows node may run, by OS build number (the third part of `10.0.<build>`, what
 * `Get-CimInstance Win32_OperatingSystem` reports as BuildNumber and the node label node.kubernetes.io/windows-build
 * carries): the Long-Term Servicing Channel releases the Kubernetes "Windows containers in Kubernetes" page lists as
 * supported. One table for every check that judges a build (prepare, join, the roll's checks before the first cordon).
 */
import semver from 'semver';
import type { Node } from '../kube/workloads.js';

/** Set by the kubelet on Windows nodes: major.minor.build of the OS. */
export const WINDOWS_BUILD_LABEL = 'node.kubernetes.io/windows-build';

export interface WindowsServerRelease {
  name: string;
  build: number;
  /** The first Kubernetes minor that supports it (2025's entry follows the page's 1.32 release notes; unverified). */
  since: string;
}

export const WINDOWS_SERVER_RELEASES: readonly WindowsServerRelease[] = [
  { name: 'Windows Server 2019', build: 17763, since: 'v1.14.0' },
  { name: 'Windows Server 2022', build: 20348, since: 'v1.23.0' },
  { name: 'Windows Server 2025', build: 26100, since: 'v1.32.0' },
];

const supports = (release: WindowsServerRelease, version: string): boolean => {
  const wanted = semver.coerce(version);
  return wanted !== null && semver.gte(`${wanted.major}.${wanted.minor}.0`, release.since);
};

const releaseList = (releases: readonly WindowsServerRelease[]): string => releases.map((r) => `${r.name} (build ${r.build})`).join(', ');

/** Why a machine of this build cannot be a node of `version` (undefined: it can). */
export function unsupportedWindowsBuild(build: number, version: string): string | undefined {
  const release = WINDOWS_SERVER_RELEASES.find((r) => r.build === build);
  if (!release) return `Windows build ${build} is not a Windows Server release Kubernetes supports on nodes (${releaseList(WINDOWS_SERVER_RELEASES)})`;
  if (!supports(release, version)) return `${release.name} (build ${build}) needs Kubernetes ${release.since} or newer; the cluster runs ${version}`;
  return undefined;
}

/** The build of `10.0.17763[.6189]`. */
const buildOf = (text: string): number | undefined => {
  const match = /^\d+\.\d+\.(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
};

/** A Node's Windows build and where it was read, or undefined when nothing the Node reports names one. */
export function windowsBuildOf(node: Node): { build: number; from: string } | undefined {
  const label = buildOf(node.metadata.labels?.[WINDOWS_BUILD_LABEL] ?? '');
  if (label !== undefined) return { build: label, from: `label ${WINDOWS_BUILD_LABEL}` };
  const kernel = buildOf(node.status?.nodeInfo?.kernelVersion ?? '');
  if (kernel !== undefined) return { build: kernel, from: 'its kernel version' };
  const image = node.status?.nodeInfo?.osImage ?? '';
  const named = WINDOWS_SERVER_RELEASES.find((r) => image.startsWith(r.name));
  return named && { build: named.build, from: `its OS image "${image}"` };
}

/** Why Kubernetes `target` does not support this Windows node's build, or undefined when it does. */
export function windowsBuildProblem(node: Node, target: string): string | undefined {
  const found = windowsBuildOf(node);
  if (!found) return `cannot tell its Windows build (no label ${WINDOWS_BUILD_LABEL}, kernel version or Windows Server OS image)`;
  const release = WINDOWS_SERVER_RELEASES.find((r) => r.build === found.build);
  if (release && supports(release, target)) return undefined;
  const what = release ? `${release.name} (build ${found.build})` : `Windows build ${found.build}`;
  return `${what}, from ${found.from}, is not supported by Kubernetes ${target}, which supports ${releaseList(WINDOWS_SERVER_RELEASES.filter((r) => supports(r, target)))}`;
}
