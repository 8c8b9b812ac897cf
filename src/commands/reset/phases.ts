import type { Phase } from '../../workflow/phase.js';
import type { ResetContext } from './context.js';
import { cleanupNetworkPhase, cleanupNodePhase } from './phases/cleanup-node.js';
import { deleteNodePhase } from './phases/delete-node.js';
import { preflightPhase } from './phases/preflight.js';
import { removeEtcdMemberPhase } from './phases/remove-etcd-member.js';

/**
 * `bosun reset` as data: kubeadm's phases (preflight, remove-etcd-member, cleanup-node), then what kubeadm leaves to
 * the operator, each on request: the network's leftovers, and the Node object, deleted last so nothing on the node
 * registers it again.
 */
export const resetPhases: Phase<ResetContext>[] = [preflightPhase, removeEtcdMemberPhase, cleanupNodePhase, cleanupNetworkPhase, deleteNodePhase];
