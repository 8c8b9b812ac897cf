/**
 * The Windows Server releases a Windows node may run, by OS build number (the third part of `10.0.<build>`, what
 * `Get-CimInstance Win32_OperatingSystem` reports as BuildNumber and the node label node.kubernetes.io/windows-build
 * carries): the Long-Term Servicing Channel releases the Kubernetes "Windows in Kubernetes" page lists as supported.
 * One table for every check that judges a node's build (prepare, join, the roll's checks before the first cordon).
 */
import semver from 'semver';

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

/** Why a machine of this build cannot be a node of `version` (undefined: it can). */
export function unsupportedWindowsBuild(build: number, version: string): string | undefined {
  const release = WINDOWS_SERVER_RELEASES.find((r) => r.build === build);
  const known = WINDOWS_SERVER_RELEASES.map((r) => `${r.name} (build ${r.build})`).join(', ');
  if (!release) return `Windows build ${build} is not a Windows Server release Kubernetes supports on nodes (${known})`;
  const wanted = semver.coerce(version);
  if (wanted && semver.lt(wanted, release.since))
    return `${release.name} (build ${build}) needs Kubernetes ${release.since} or newer; the cluster runs ${version}`;
  return undefined;
}
