/** `bosun reset`'s phase tree on a node's files (a worker, a control-plane node), with small etcd and API fakes. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cluster, ObjectRef } from '../../../src/cluster/cluster.js';
import { ClusterError } from '../../../src/cluster/errors.js';
import { createResetContext, type ResetOptions } from '../../../src/commands/reset/context.js';
import { resetPhases } from '../../../src/commands/reset/phases.js';
import type { Etcd, EtcdMember } from '../../../src/etcd/etcd.js';
import type { Host } from '../../../src/host/host.js';
import { LocalHost } from '../../../src/host/local.js';
import { RecordingHost } from '../../../src/host/recording.js';
import { runWorkflow } from '../../../src/workflow/run.js';
import { filesUnder } from '../../support/join.js';
import { tempDir } from '../../support/temp.js';
import { recorder } from '../../support/workflow.js';

const WORKER_FILES = [
  'etc/kubernetes/kubelet.conf',
  'etc/kubernetes/bootstrap-kubelet.conf',
  'etc/kubernetes/pki/ca.crt',
  'var/lib/kubelet/config.yaml',
  'var/lib/kubelet/pki/kubelet-client-current.pem',
];
const CONTROL_PLANE_FILES = [
  ...WORKER_FILES,
  'etc/kubernetes/admin.conf',
  'etc/kubernetes/super-admin.conf',
  'etc/kubernetes/controller-manager.conf',
  'etc/kubernetes/scheduler.conf',
  'etc/kubernetes/manifests/kube-apiserver.yaml',
  'etc/kubernetes/pki/etcd/ca.crt',
  'etc/kubernetes/pki/etcd/healthcheck-client.crt',
  'etc/kubernetes/pki/etcd/healthcheck-client.key',
  'var/lib/etcd/member/snap/db',
];
/** What a reset keeps: the binaries, files bosun did not write, the directories themselves. */
const KEPT = ['usr/bin/kubelet', 'etc/kubernetes/other.yaml', 'etc/cni/net.d/10-bridge.conflist'];

const ETCD_MANIFEST = `apiVersion: v1
kind: Pod
metadata: { name: etcd, namespace: kube-system }
spec:
  containers:
    - name: etcd
      command:
        - etcd
        - --name=cp-2
        - --advertise-client-urls=https://10.0.0.2:2379
        - --initial-advertise-peer-urls=https://10.0.0.2:2380
        - --data-dir=/var/lib/etcd
`;

function node(files: string[], extra: Record<string, string> = {}): string {
  const root = tempDir('bosun-reset-');
  for (const file of [...files, ...KEPT]) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), 'x');
  }
  for (const [file, text] of Object.entries(extra)) writeFileSync(path.join(root, file), text);
  return root;
}

const member = (id: string, name: string, ip: string): EtcdMember => ({
  id,
  name,
  peerURLs: [`https://${ip}:2380`],
  clientURLs: [`https://${ip}:2379`],
  isLearner: false,
});

/** An etcd cluster of these members; `calls` is what each connection was asked, with its endpoints. */
function fakeEtcd(members: EtcdMember[]) {
  const calls: string[] = [];
  const connect = (endpoints: string[]): Etcd => ({
    endpoints,
    memberList: async () => (calls.push(`list ${endpoints.join(',')}`), [...members]),
    memberRemove: async (id) => {
      calls.push(`remove ${id} via ${endpoints.join(',')}`);
      members.splice(
        members.findIndex((m) => m.id === id),
        1,
      );
      return [...members];
    },
    memberAdd: () => Promise.reject(new Error('not used')),
    memberPromote: () => Promise.reject(new Error('not used')),
    status: () => Promise.reject(new Error('not used')),
  });
  return { connect, calls };
}

/** An API with these Node names; deletes are recorded. */
function fakeCluster(nodes: string[]) {
  const deleted: string[] = [];
  const cluster = {
    get: async (ref: ObjectRef) => (nodes.includes(ref.name) ? { apiVersion: 'v1', kind: 'Node', metadata: { name: ref.name } } : undefined),
    delete: async (ref: ObjectRef) => {
      if (!nodes.includes(ref.name)) throw new ClusterError('delete', `Node ${ref.name}`, 'NotFound', 'not found', 404);
      deleted.push(ref.name);
    },
  } as unknown as Cluster;
  return { cluster, deleted };
}

const OPTIONS: ResetOptions = { force: true, deleteNode: false, cleanupNetwork: false, certificatesDir: '/etc/kubernetes/pki', nodeName: 'cp-2' };

async function reset(root: string, opts: Partial<ResetOptions> = {}, etcd = fakeEtcd([]), api = fakeCluster([]), host: Host = new LocalHost(root)) {
  const sink = recorder();
  const confirmations: string[] = [];
  const ctx = createResetContext(
    { ...OPTIONS, ...opts },
    { host, cluster: async () => api.cluster, etcd: (endpoints) => etcd.connect(endpoints) },
    async (q) => {
      confirmations.push(q);
    },
  );
  await runWorkflow(resetPhases, ctx, { sink });
  return { lines: sink.lines(), confirmations };
}

const left = (root: string) => filesUnder(root).sort();

describe('bosun reset', () => {
  it("on a worker removes kubeadm's files and keeps the rest; the network's files stay without --cleanup-network", async () => {
    const root = node(WORKER_FILES);
    const { lines } = await reset(root);
    expect(left(root)).toEqual([...KEPT].sort());
    for (const dir of ['var/lib/kubelet', 'etc/kubernetes/pki']) expect(existsSync(path.join(root, dir)), dir).toBe(true);
    expect(lines).toContain('[reset] No etcd config found. Assuming external etcd (or a worker): no member to remove');
    expect(lines).toContain('[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]');
    expect(lines).toContain(
      '[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf /etc/kubernetes/kubelet.conf ' +
        '/etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf]',
    );
  });

  it('with --cleanup-network also empties /etc/cni/net.d; rules are left for a node under a directory', async () => {
    const root = node(WORKER_FILES);
    const { lines } = await reset(root, { cleanupNetwork: true });
    expect(left(root)).toEqual(['etc/kubernetes/other.yaml', 'usr/bin/kubelet']);
    expect(lines.some((l) => l.includes('iptables and IPVS rules are not this machine'))).toBe(true);
  });

  it("on a control-plane node removes its own etcd member through the others, then etcd's data", async () => {
    const root = node(CONTROL_PLANE_FILES, { 'etc/kubernetes/manifests/etcd.yaml': ETCD_MANIFEST });
    const etcd = fakeEtcd([member('1', 'cp-1', '10.0.0.1'), member('2', 'cp-2', '10.0.0.2'), member('3', 'cp-3', '10.0.0.3')]);
    const { lines } = await reset(root, {}, etcd);
    expect(etcd.calls).toEqual(['list https://10.0.0.2:2379', 'remove 2 via https://10.0.0.1:2379,https://10.0.0.3:2379']);
    expect(lines).toContain('[reset] Removed etcd member cp-2 (2); 2 member(s) left: cp-1, cp-3');
    expect(left(root)).toEqual([...KEPT].sort());
    expect(existsSync(path.join(root, 'var/lib/etcd'))).toBe(true);
  });

  it('refuses to remove the last etcd member, changing nothing', async () => {
    const root = node(CONTROL_PLANE_FILES, { 'etc/kubernetes/manifests/etcd.yaml': ETCD_MANIFEST });
    const before = left(root);
    const etcd = fakeEtcd([member('2', 'cp-2', '10.0.0.2')]);
    await expect(reset(root, {}, etcd)).rejects.toThrow(
      /etcd member cp-2 \(https:\/\/10\.0\.0\.2:2380\) is the last member of the cluster's etcd: .*nothing was changed/,
    );
    expect(etcd.calls).toEqual(['list https://10.0.0.2:2379']);
    expect(left(root)).toEqual(before);
  });

  it('with --delete-node deletes the Node last; a Node already gone is fine', async () => {
    const root = node(WORKER_FILES);
    const api = fakeCluster(['cp-2']);
    const { lines } = await reset(root, { deleteNode: true }, undefined, api);
    expect(api.deleted).toEqual(['cp-2']);
    expect(lines.at(-1)).toBe('[reset] Deleted Node cp-2');
    const again = await reset(node(WORKER_FILES), { deleteNode: true }, undefined, fakeCluster([]));
    expect(again.lines).toContain('[reset] The cluster has no Node cp-2: nothing to delete');
  });

  it('--delete-node without a node name stops in preflight, before anything changes', async () => {
    const root = node(WORKER_FILES.filter((f) => !f.endsWith('kubelet.conf')));
    const before = left(root);
    await expect(reset(root, { deleteNode: true, nodeName: undefined })).rejects.toThrow(/--delete-node: cannot tell this node's name/);
    expect(left(root)).toEqual(before);
  });

  it('asks before changing anything unless --force', async () => {
    const { confirmations } = await reset(node(WORKER_FILES), { force: false });
    expect(confirmations).toEqual(['[reset] Are you sure you want to proceed?']);
    expect((await reset(node(WORKER_FILES))).confirmations).toEqual([]);
  });

  it('a dry run records the removals and changes nothing', async () => {
    const root = node(CONTROL_PLANE_FILES, { 'etc/kubernetes/manifests/etcd.yaml': ETCD_MANIFEST });
    const before = left(root);
    const host = new RecordingHost(new LocalHost(root));
    await reset(root, { cleanupNetwork: true }, fakeEtcd([member('1', 'cp-1', '10.0.0.1'), member('2', 'cp-2', '10.0.0.2')]), undefined, host);
    expect(left(root)).toEqual(before);
    const removed = host.actions.filter((a) => a.kind === 'remove').map((a) => a.target);
    expect(removed).toEqual(
      expect.arrayContaining([
        '/etc/kubernetes/admin.conf',
        '/var/lib/kubelet/pki',
        '/var/lib/etcd/member',
        '/etc/kubernetes/pki/etcd',
        '/etc/cni/net.d/10-bridge.conflist',
      ]),
    );
    expect(removed).not.toContain('/usr/bin/kubelet');
  });
});
