import type { Phase } from '../../workflow/phase.js';
import type { JoinContext } from './context.js';
import { controlPlanePreparePhase } from './phases/control-plane-prepare.js';
import { etcdJoinPhase } from './phases/etcd-join.js';
import { kubeletStartPhase } from './phases/kubelet-start.js';
import { kubeletWaitBootstrapPhase } from './phases/kubelet-wait-bootstrap.js';
import { markControlPlanePhase } from './phases/mark-control-plane.js';
import { preflightPhase } from './phases/preflight.js';
import { waitControlPlanePhase } from './phases/wait-control-plane.js';

/**
 * `bosun join` as data, in kubeadm's order: a new etcd member is announced only once the kubelet runs, so its static
 * Pod starts right after; a control-plane node's kubelet bootstraps against its own API server, which needs that etcd.
 * Workers skip every control-plane step.
 */
export const joinPhases: Phase<JoinContext>[] = [
  preflightPhase,
  controlPlanePreparePhase,
  kubeletStartPhase,
  etcdJoinPhase,
  kubeletWaitBootstrapPhase,
  markControlPlanePhase,
  waitControlPlanePhase,
];
