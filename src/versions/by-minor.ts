import semver from 'semver';

/**
 * The entry of a per-minor table (what each kubeadm minor pins: etcd, CoreDNS, …) for a Kubernetes version;
 * a minor outside the table takes the nearest known one, an unparseable version the newest.
 */
export function forMinor<T>(table: Readonly<Record<number, T>>, kubernetesVersion: string): T {
  const minor = semver.parse(kubernetesVersion)?.minor;
  const known = Object.keys(table)
    .map(Number)
    .sort((a, b) => a - b);
  const nearest = minor === undefined ? known.at(-1)! : known.reduce((best, m) => (Math.abs(m - minor) < Math.abs(best - minor) ? m : best));
  return table[nearest];
}
