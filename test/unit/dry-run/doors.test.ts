import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../../src/cluster/transport.js';
import { RecordingCluster } from '../../../src/cluster/recording.js';
import { RecordingEtcd } from '../../../src/etcd/recording.js';
import { LocalHost } from '../../../src/host/local.js';
import { RecordingHost } from '../../../src/host/recording.js';
import { openDoors } from '../../../src/workflow/doors.js';

const roots: string[] = [];
const tempRoot = () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bosun-doors-'));
  roots.push(root);
  return root;
};
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** An API server nobody answers for: a dry run reads it as empty. */
const unreachable: Transport = {
  server: 'https://192.0.2.1:6443',
  request: async () => {
    throw new Error('connect ECONNREFUSED');
  },
  stream: async () => {
    throw new Error('connect ECONNREFUSED');
  },
};
const tls = { ca: '', cert: '', key: '' };
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'kube-system' } };

describe('the doors a command opens', () => {
  it('are live without --dry-run: the node under --rootfs changes, nothing is recorded', async () => {
    const root = tempRoot();
    const doors = openDoors({ rootfs: root });
    expect(doors.host).toBeInstanceOf(LocalHost);
    expect(doors.host.root).toBe(root);
    await doors.host.writeFileAtomic('/etc/kubernetes/x.conf', 'a', 0o600);
    expect(existsSync(path.join(root, 'etc/kubernetes/x.conf'))).toBe(true);
    expect(doors.recorded).toBeUndefined();
    expect(doors.clusterOver(unreachable)).not.toBeInstanceOf(RecordingCluster);
  });

  it('all record with --dry-run, into one record, and nothing changes', async () => {
    const root = tempRoot();
    const doors = openDoors({ rootfs: root, dryRun: true });
    expect(doors.host).toBeInstanceOf(RecordingHost);
    await doors.host.writeFileAtomic('/etc/kubernetes/x.conf', 'a', 0o600);
    await doors.clusterOver(unreachable).apply(configMap);
    await doors.clusterOver(unreachable).delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'y' });
    const etcd = doors.etcd(['https://192.0.2.1:2379'], tls);
    expect(etcd).toBeInstanceOf(RecordingEtcd);
    const { member } = await etcd.memberAdd('https://10.0.0.2:2380', true);
    await etcd.memberPromote(member.id);

    expect(readdirSync(root)).toEqual([]);
    expect(doors.recorded!.host.actions.map((a) => `${a.kind} ${a.target}`)).toEqual(['write /etc/kubernetes/x.conf']);
    expect(doors.recorded!.cluster.map((a) => `${a.verb} ${a.target}`)).toEqual(['apply ConfigMap kube-system/x', 'delete ConfigMap kube-system/y']);
    expect(doors.recorded!.etcd).toEqual([
      { verb: 'member add', target: 'https://10.0.0.2:2380', learner: true },
      { verb: 'member promote', target: 'https://10.0.0.2:2380' },
    ]);
  });

  it('build the cluster door from the kubeconfig the run wrote (read through the recording node)', async () => {
    const doors = openDoors({ rootfs: tempRoot(), dryRun: true, kubeconfig: '/etc/kubernetes/admin.conf' });
    await expect(doors.cluster()).rejects.toThrow(/kubeconfig \/etc\/kubernetes\/admin.conf: file not found/);
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      // Nothing listens there: a dry run reads it as an empty cluster.
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { token: 'abcdef.0123456789abcdef' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    };
    await doors.host.writeFileAtomic('/etc/kubernetes/admin.conf', JSON.stringify(kubeconfig), 0o600);
    const cluster = await doors.cluster();
    expect(cluster).toBeInstanceOf(RecordingCluster);
    expect(await doors.cluster()).toBe(cluster);
    expect(await doors.kubeconfig()).toBe('/etc/kubernetes/admin.conf');
  });

  it('record the cluster-admins binding a real run with admin.conf and super-admin.conf would make first', async () => {
    const doors = openDoors({ rootfs: tempRoot(), dryRun: true, kubeconfig: '/etc/kubernetes/admin.conf' });
    const kubeconfig = (user: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: user, user: { token: 'abcdef.0123456789abcdef' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user } }],
        'current-context': 'x',
      });
    await doors.host.writeFileAtomic('/etc/kubernetes/admin.conf', kubeconfig('admin'), 0o600);
    await doors.host.writeFileAtomic('/etc/kubernetes/super-admin.conf', kubeconfig('super-admin'), 0o600);
    await (await doors.cluster()).apply(configMap);
    expect(doors.recorded!.cluster.map((a) => `${a.verb} ${a.target}`)).toEqual([
      'apply ClusterRoleBinding kubeadm:cluster-admins',
      'apply ConfigMap kube-system/x',
    ]);
  });

  it('wait, or with --dry-run do not: a wait is not looked at, a change retried until accepted is tried once', async () => {
    const checks: string[] = [];
    const dry = openDoors({ dryRun: true }).waiter;
    await dry.until('never', 60_000, async () => (checks.push('until'), 'not yet'));
    await dry.retry('refused', 60_000, async () => (checks.push('retry'), 'refused'));
    expect(checks).toEqual(['retry']);

    const live = openDoors({}).waiter;
    let tries = 0;
    await live.retry('accepted on the third try', 5_000, async () => (++tries === 3 ? true : 'refused'));
    expect(tries).toBe(3);
    await expect(live.until('the impossible', 150, async () => 'still not')).rejects.toThrow(/timed out after .* waiting for the impossible: still not/);
  });
});
