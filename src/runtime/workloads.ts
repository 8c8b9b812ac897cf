/**
 * The workloads that tie Pods to Docker, as `kubectl dds` reports them: each Pod rolled up to the workload an
 * operator edits (a ReplicaSet's Deployment, a Job's CronJob), one entry per workload with every reason and Pod.
 * The owners are looked up in lists fetched once, never per Pod.
 */
import type { KubeObject } from '../cluster/cluster.js';
import { controllerOf, type Pod } from '../kube/workloads.js';
import { podSpecDependencies, strongest, type Dependency, type DependencyClass, type PodSpecLike } from './docker-dependencies.js';

/** Where a workload was found: the cluster, or a manifest file's document (1-based) and List item (0-based). */
export interface ManifestSource {
  file: string;
  document: number;
  item?: number;
}

export interface WorkloadFinding {
  kind: string;
  namespace?: string;
  name: string;
  class: DependencyClass;
  reasons: string[];
  /** The cluster's Pods of this workload that tie it to Docker. */
  pods?: string[];
  source?: ManifestSource;
}

export interface WorkloadRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** The owner kinds a Pod is rolled up through, with what owns them in turn. */
export interface Owners {
  replicaSets: KubeObject[];
  jobs: KubeObject[];
}

const key = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/**
 * The workload a Pod belongs to: its controller, and that controller's own controller for a ReplicaSet (a
 * Deployment) or a Job (a CronJob). A Pod without a controller is its own workload; an owner gone from the lists
 * stops the walk where it is.
 */
export function podWorkloads(owners: Owners): (pod: Pod) => WorkloadRef {
  const byKind: Record<string, Map<string, KubeObject>> = {
    ReplicaSet: new Map(owners.replicaSets.map((o) => [key(o.metadata.namespace, o.metadata.name), o])),
    Job: new Map(owners.jobs.map((o) => [key(o.metadata.namespace, o.metadata.name), o])),
  };
  return (pod) => {
    const namespace = pod.metadata.namespace;
    const owner = controllerOf(pod);
    if (!owner) return { kind: 'Pod', namespace, name: pod.metadata.name };
    const grand = byKind[owner.kind]?.get(key(namespace, owner.name));
    const above = grand && controllerOf(grand);
    return above ? { kind: above.kind, namespace, name: above.name } : { kind: owner.kind, namespace, name: owner.name };
  };
}

/** The cluster's workloads that tie Pods to Docker, one entry per workload, sorted by namespace, kind and name. */
export function clusterWorkloadFindings(pods: Pod[], owners: Owners): WorkloadFinding[] {
  const workloadOf = podWorkloads(owners);
  const found = new Map<string, { ref: WorkloadRef; dependencies: Dependency[]; pods: string[] }>();
  for (const pod of pods) {
    const dependencies = podSpecDependencies(pod.spec as PodSpecLike);
    if (!dependencies.length) continue;
    const ref = workloadOf(pod);
    const id = `${ref.kind}/${key(ref.namespace, ref.name)}`;
    const entry = found.get(id) ?? { ref, dependencies: [], pods: [] };
    entry.dependencies.push(...dependencies);
    entry.pods.push(pod.metadata.name);
    found.set(id, entry);
  }
  return [...found.values()]
    .map(({ ref, dependencies, pods: names }) => ({ ...ref, ...summarize(dependencies), pods: names.sort() }))
    .sort((a, b) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** The class and the distinct reasons of what was found (each Pod of a workload finds the same). */
export function summarize(dependencies: Dependency[]): { class: DependencyClass; reasons: string[] } {
  return { class: strongest(dependencies), reasons: [...new Set(dependencies.map((d) => d.reason))] };
}
