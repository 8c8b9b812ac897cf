import { describe, expect, test } from 'vitest';
import type { Cluster, KubeObject } from '../../../src/cluster/cluster.js';
import { AdminCluster } from '../../../src/cluster/admin-binding.js';
import { ClusterError } from '../../../src/cluster/errors.js';

const forbidden = () => new ClusterError('get', 'ClusterRoleBinding kubeadm:cluster-admins', 'Forbidden', 'no rights yet', 403);

/** admin.conf's door on a fresh API server: refused until its binding exists and `lag` more reads after that. */
function freshAdmin(lag: number) {
  const state = { bound: false, lag, reads: 0 };
  const admin = {
    async get() {
      state.reads++;
      if (!state.bound || state.lag-- > 0) throw forbidden();
      return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } };
    },
  } as unknown as Cluster;
  const superAdmin = {
    async apply(obj: KubeObject) {
      state.bound = true;
      return obj;
    },
  } as unknown as Cluster;
  return { state, cluster: new AdminCluster(admin, async () => superAdmin) };
}

describe('AdminCluster', () => {
  test('waits after writing the binding until the authorizer lets admin.conf in', async () => {
    const { state, cluster } = freshAdmin(3);
    await expect(cluster.get({ apiVersion: 'v1', kind: 'Node', name: 'n' })).resolves.toMatchObject({ metadata: { name: 'n' } });
    // One refused read before the binding, three while the authorizer lags, one that passes, then the call itself.
    expect(state.reads).toBe(6);
  });

  test('gives up with the refusal when admin.conf stays refused', async () => {
    const { cluster } = freshAdmin(Infinity);
    await expect(cluster.get({ apiVersion: 'v1', kind: 'Node', name: 'n' })).rejects.toThrow(/Forbidden/);
  }, 15_000);
});
