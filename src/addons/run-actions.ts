/**
 * Carries out an addon plan's actions in order through the cluster door: server-side apply (bosun's field
 * manager, conflicts forced, as the upgrade's other applies), a watch until a Deployment has rolled
 * out, a delete. On the dry-run door the same calls are recorded and waits return at once.
 */
import type { Cluster, KubeObject } from '../cluster/cluster.js';
import { OS_LABEL } from '../kube/labels.js';
import type { AddonPlan } from './addon.js';

interface Workload extends KubeObject {
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
  metadata: KubeObject['metadata'] & { generation?: number };
}

/** `kubectl rollout status`'s rule: the controller saw the spec, every replica is updated and available, none old is left. */
export function rolledOut(obj: Workload | undefined): boolean {
  if (!obj?.status) return false;
  const { observedGeneration = 0, replicas = 0, updatedReplicas = 0, availableReplicas = 0 } = obj.status;
  const wanted = obj.spec?.replicas ?? 1;
  return (
    observedGeneration >= (obj.metadata.generation ?? 0) && updatedReplicas >= wanted && replicas <= updatedReplicas && availableReplicas >= updatedReplicas
  );
}

/** Whether a Node runs Windows (an addon input: Flannel's Windows settings). */
export async function windowsNodesIn(cluster: Cluster): Promise<boolean> {
  return (await cluster.list('v1', 'Node', { labelSelector: `${OS_LABEL}=windows` })).length > 0;
}

export async function runAddonActions(cluster: Cluster, plan: AddonPlan): Promise<void> {
  for (const step of plan.actions) {
    if (step.action === 'apply') await cluster.apply(step.object, { force: true });
    else if (step.action === 'delete') await cluster.delete(step.ref);
    else await cluster.watchUntil<Workload>(step.ref, rolledOut, step.timeoutSeconds * 1000);
  }
}
