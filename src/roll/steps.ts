/**
 * The steps of one node's upgrade, per operating system. Around the node-side steps every node goes the same
 * way: cordon, drain, (node-side steps), wait until Ready with the new kubelet, uncordon. The node-side steps
 * follow the Kubernetes upgrade guides: on Linux `kubeadm upgrade node` (kubelet configuration, static Pods,
 * the kubelet package) and a kubelet restart; on Windows the kubeadm and kubelet binaries are swapped by hand
 * around `kubeadm upgrade node`, with the kubelet service stopped.
 */
export type NodeOS = 'linux' | 'windows';

export const NODE_SIDE_STEPS = {
  linux: ['upgrade-node', 'kubelet-restart'],
  windows: ['kubeadm-binary', 'upgrade-node', 'kubelet-stop', 'kubelet-binary', 'kubelet-start'],
} as const satisfies Record<NodeOS, readonly string[]>;

export type NodeSideStep = (typeof NODE_SIDE_STEPS)[NodeOS][number];
export type StepName = 'cordon' | 'drain' | NodeSideStep | 'wait-ready' | 'uncordon';

export function nodeSteps(os: NodeOS): StepName[] {
  return ['cordon', 'drain', ...NODE_SIDE_STEPS[os], 'wait-ready', 'uncordon'];
}

export const isNodeSideStep = (step: StepName): step is NodeSideStep => step !== 'cordon' && step !== 'drain' && step !== 'wait-ready' && step !== 'uncordon';
