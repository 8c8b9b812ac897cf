/**
 * A cluster file whose `kubernetesVersion` is not the cluster's. `bosun apply` does not upgrade (or downgrade) a
 * cluster yet: it refuses before any host changes and names the commands that do, since joining hosts at the file's
 * version to a cluster of another one would break the version skew rules.
 */
import type { Cluster } from '../../cluster/cluster.js';
import { UserError } from '../../errors.js';
import type { ConfigMap } from '../../kube/objects.js';
import { parseYaml } from '../../util/yaml.js';
import { parseKubernetesVersion } from '../../versions/skew.js';

/** The ClusterConfiguration's kubernetesVersion, as kubeadm-config holds it. */
export async function clusterVersion(cluster: Cluster): Promise<string | undefined> {
  const cm = await cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kubeadm-config' });
  let doc: unknown;
  try {
    doc = parseYaml(cm?.data?.ClusterConfiguration ?? '{}');
  } catch {
    throw new UserError('ConfigMap kube-system/kubeadm-config: its ClusterConfiguration does not parse');
  }
  const version = (doc as { kubernetesVersion?: unknown } | null)?.kubernetesVersion;
  return typeof version === 'string' ? version : undefined;
}

/** Throws when the file names another version than the cluster runs; says what to run instead. */
export function checkVersion(file: string, wanted: string, running: string | undefined): void {
  const [want, run] = [parseKubernetesVersion(wanted), running === undefined ? undefined : parseKubernetesVersion(running)];
  if (!want || !run || want.compare(run) === 0) return;
  const prefix = `${file}: kubernetesVersion is ${wanted}, the cluster runs ${running}; nothing was changed.`;
  if (want.compare(run) < 0) throw new UserError(`${prefix} Kubernetes clusters are not downgraded: put ${running} back in the file`);
  throw new UserError(
    `${prefix} bosun apply does not upgrade a cluster yet: run "bosun upgrade apply ${wanted}" on a control-plane host, ` +
      `then "bosun upgrade nodes --inventory ${file}", then bosun apply again`,
  );
}
