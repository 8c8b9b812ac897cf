import type { Phase } from '../../../workflow/phase.js';
import type { JoinContext } from '../context.js';
import { controlPlaneOnly } from '../control-plane-only.js';

export const etcdJoinPhase: Phase<JoinContext> = {
  name: 'etcd-join',
  description: 'Join etcd for control plane nodes',
  help:
    'Adds this node to etcd through the etcd API (as a learner where etcd supports it), writes its etcd manifest with ' +
    '--initial-cluster of the members and --initial-cluster-state=existing, promotes the learner once in sync, waits until it serves.',
  run: controlPlaneOnly('etcd', async () => (await import('../control-plane/etcd-join.js')).etcdJoin),
};
