/**
 * `bosun migrate cgroup-driver --to systemd|cgroupfs` as a roll kind, in the kubeadm guide's order: the
 * kube-system/kubelet-config ConfigMap first (so no later `kubeadm upgrade` writes the old driver back), then per
 * node, drained: kubelet and runtime stopped, the runtime's driver (containerd SystemdCgroup, CRI-O's drop-in) and
 * config.yaml's cgroupDriver set, both started, Ready with both files saying the driver. A node that does not come
 * back gets its files restored byte for byte and both daemons restarted on them, and stays cordoned.
 */
import type { Cluster } from '../../cluster/cluster.js';
import { UserError } from '../../errors.js';
import { kubeletConfigWith } from '../../addons/component-config.js';
import { COMPONENT_CONFIG_HASH_ANNOTATION } from '../../kube/labels.js';
import type { ConfigMap } from '../../kube/objects.js';
import { KUBELET_CONFIG_FILE } from '../../kube/paths.js';
import { isNodeReady } from '../../kube/workloads.js';
import { readBackup, restoreBackup, takeBackup } from '../../node/roll-backup.js';
import { readRuntimeFacts, type NodeRuntimeFacts } from '../../node/runtime-facts.js';
import { kubeletCgroupWrite, runtimeCgroupWrites, writeAll } from '../../node/runtime-switch.js';
import type { RollKind } from '../../roll/kind.js';
import type { NodeStepContext } from '../../roll/nodes.js';
import type { CgroupDriver } from '../../runtime/endpoints.js';
import { CRIO_CGROUP_DROP_IN } from '../../runtime/crio-config.js';
import { CONTAINERD_CONFIG } from '../../runtime/paths.js';

export const KUBELET_CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kubelet-config' } as const;

/** The runtime's service and the file that holds its cgroup driver; a runtime bosun cannot switch is refused. */
export function runtimeOf(facts: NodeRuntimeFacts): { service: 'containerd' | 'crio'; file: string } {
  if (facts.runtime === 'containerd') return { service: 'containerd', file: CONTAINERD_CONFIG };
  if (facts.runtime === 'crio') return { service: 'crio', file: CRIO_CGROUP_DROP_IN };
  throw new UserError(`bosun cannot switch the cgroup driver of runtime ${facts.runtime ?? 'unknown'} (containerd and CRI-O only)`);
}

/** The ConfigMap's `kubelet` document with cgroupDriver set, its kubeadm signature renewed when it had a valid one. */
async function setConfigMapDriver(cluster: Cluster, driver: CgroupDriver): Promise<void> {
  const cm = await cluster.get<ConfigMap>(KUBELET_CONFIG_MAP);
  const edit = kubeletConfigWith(cm, { cgroupDriver: driver });
  if (!cm || !edit) return;
  const annotations = edit.signature === undefined ? undefined : { [COMPONENT_CONFIG_HASH_ANNOTATION]: edit.signature };
  await cluster.patch(KUBELET_CONFIG_MAP, { metadata: { resourceVersion: cm.metadata.resourceVersion, ...(annotations && { annotations }) }, data: edit.data });
}

function cgroupWork(rollId: string, driver: CgroupDriver): RollKind['work'] {
  const runtime = async (ctx: NodeStepContext) => runtimeOf(await readRuntimeFacts(ctx.node.host));
  return {
    backup: async ({ node }) => {
      const { file } = runtimeOf(await readRuntimeFacts(node.host));
      await takeBackup(node.host, rollId, [file, KUBELET_CONFIG_FILE]);
    },
    'kubelet-stop': ({ node }) => node.host.service('kubelet').stop(),
    'runtime-stop': async (ctx) => ctx.node.host.service((await runtime(ctx)).service).stop(),
    'runtime-cgroup': async ({ node }) => writeAll(node.host, await runtimeCgroupWrites(node.host, await readRuntimeFacts(node.host), driver)),
    'kubelet-cgroup': async ({ node }) => writeAll(node.host, [await kubeletCgroupWrite(node.host, driver)]),
    'runtime-start': async (ctx) => ctx.node.host.service((await runtime(ctx)).service).start(),
    'kubelet-start': ({ node }) => node.host.service('kubelet').start(),
  };
}

export function cgroupKind(rollId: string, driver: CgroupDriver, bounded: (work: RollKind['work']) => RollKind['work']): RollKind {
  return {
    purpose: 'migrate-cgroup-driver',
    work: bounded(cgroupWork(rollId, driver)),
    before: { 'kubelet-config': ({ cluster }) => setConfigMapDriver(cluster, driver) },
    ready: {
      what: 'Ready',
      test: isNodeReady,
      reports: (node) => (node && isNodeReady(node) ? 'Ready' : 'not Ready'),
    },
    /** The Node is Ready: the node's own files must say the driver too (both daemons started on them). */
    confirm: async ({ node }) => {
      const facts = await readRuntimeFacts(node.host);
      if (facts.kubeletCgroupDriver !== driver || facts.runtimeCgroupDriver !== driver)
        throw new Error(`node ${node.name} is Ready but its files say kubelet ${facts.kubeletCgroupDriver}, runtime ${facts.runtimeCgroupDriver ?? 'unknown'}`);
    },
    rollback: {
      linux: async ({ node }) => {
        const { host } = node;
        if (!(await readBackup(host, rollId))) return;
        const { service } = runtimeOf(await readRuntimeFacts(host));
        await host.service('kubelet').stop();
        await restoreBackup(host, rollId);
        await host.service(service).restart();
        await host.service('kubelet').restart();
      },
    },
    nodeDone: `on the ${driver} cgroup driver`,
    rollDone: (nodes) => `${nodes} node(s) on the ${driver} cgroup driver`,
  };
}
