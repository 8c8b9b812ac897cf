/**
 * The steps of one node's roll, per roll purpose and operating system. Around the node-side steps every node goes
 * the same way: cordon, drain, (node-side steps), wait until Ready as the purpose wants it, uncordon.
 *
 * An upgrade follows the Kubernetes upgrade guides: on Linux `kubeadm upgrade node` (kubelet configuration, static
 * Pods, the kubelet package) and a kubelet restart; on Windows ("Upgrading Windows nodes") the new kubelet.exe is
 * pushed beside the running one before the node's downtime, then `kubeadm upgrade node`'s work (the kubelet
 * configuration; a Windows node has no static Pods), the kubelet service stopped, kubelet.exe swapped (the old one
 * kept for a rollback) and the service started. The migrations follow the dockershim → containerd
 * and cgroup-driver guides, with every file they change backed up first so a node that does not come back can be
 * rolled back.
 */
export type NodeOS = 'linux' | 'windows';

/** What a roll does to each node. A cluster runs one roll at a time, whatever its purpose. */
export type RollPurpose = 'upgrade' | 'migrate-runtime' | 'migrate-cgroup-driver';

/** The upgrade's node-side steps. */
export const NODE_SIDE_STEPS = {
  linux: ['upgrade-node', 'kubelet-restart'],
  windows: ['kubelet-push', 'upgrade-node', 'kubelet-stop', 'kubelet-binary', 'kubelet-start'],
} as const satisfies Record<NodeOS, readonly string[]>;

/** The migrations' node-side steps (Linux only: bosun migrates no Windows node). */
export const MIGRATION_STEPS = {
  'migrate-runtime': [
    'backup',
    'kubelet-stop',
    'docker-stop',
    'containerd-install',
    'containerd-config',
    'kubelet-endpoint',
    'containerd-start',
    'kubelet-start',
  ],
  'migrate-cgroup-driver': ['backup', 'kubelet-stop', 'runtime-stop', 'runtime-cgroup', 'kubelet-cgroup', 'runtime-start', 'kubelet-start'],
} as const;

export type NodeSideStep = (typeof NODE_SIDE_STEPS)[NodeOS][number] | (typeof MIGRATION_STEPS)[keyof typeof MIGRATION_STEPS][number];
export type StepName = 'cordon' | 'drain' | NodeSideStep | 'wait-ready' | 'uncordon';

/** How a purpose shows itself: its log lines' prefix and the command that resumes or aborts it. */
export const PURPOSES: Record<RollPurpose, { prefix: string; command: string; what: string }> = {
  upgrade: { prefix: '[upgrade/nodes]', command: 'bosun upgrade nodes', what: 'node upgrade roll' },
  'migrate-runtime': { prefix: '[migrate/runtime]', command: 'bosun migrate runtime', what: 'container runtime migration' },
  'migrate-cgroup-driver': { prefix: '[migrate/cgroup-driver]', command: 'bosun migrate cgroup-driver', what: 'cgroup driver migration' },
};

export function nodeSideSteps(os: NodeOS, purpose: RollPurpose = 'upgrade'): readonly NodeSideStep[] {
  return purpose === 'upgrade' ? NODE_SIDE_STEPS[os] : MIGRATION_STEPS[purpose];
}

export function nodeSteps(os: NodeOS, purpose: RollPurpose = 'upgrade'): StepName[] {
  return ['cordon', 'drain', ...nodeSideSteps(os, purpose), 'wait-ready', 'uncordon'];
}

export const isNodeSideStep = (step: StepName): step is NodeSideStep => step !== 'cordon' && step !== 'drain' && step !== 'wait-ready' && step !== 'uncordon';
