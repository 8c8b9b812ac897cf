/**
 * `bosun apply` brings a cluster back to its file (fresh machines of `bosun sandbox hosts`, real sshd, real control
 * plane): a host added to the file joins; a node left out of the file is kept, and said, until `--prune`; with
 * `--prune`, a host the file marks `reset: true` leaves etcd, the cluster and its own files, and a node the file
 * does not name leaves the cluster; a file naming another Kubernetes version is refused before anything changes.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { EtcdClient } from '../../src/etcd/etcd.js';
import { isNodeReady, type Node, type Pod } from '../../src/kube/workloads.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { emitYaml, parseYaml } from '../../src/util/yaml.js';
import { BOSUN, bosun, runCommand, type CliResult } from '../support/sandbox.js';

const VERSION = 'v1.36.3';

interface HostEntry {
  name: string;
  role: string;
  ssh: { address: string };
  reset?: boolean;
}
interface ClusterDoc {
  spec: { hosts: HostEntry[]; kubeadm: Array<Record<string, unknown>> };
}

let dir: string;
let full: ClusterDoc;

const failed = (r: CliResult) => `exit ${r.code}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`;
const nodeRoot = (name: string) => sandboxPaths(dir).nodeRoot(name);

/** Writes a variant of the sandbox's cluster file and runs `bosun apply` on it. */
async function applyWith(name: string, edit: (doc: ClusterDoc) => void, ...args: string[]): Promise<CliResult> {
  const doc = structuredClone(full);
  edit(doc);
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, emitYaml(doc));
  // The roll's local journal copy goes under the test's directory, not the operator's state directory.
  return runCommand([process.execPath, BOSUN, 'apply', '-f', file, '--known-hosts', sandboxPaths(dir).knownHosts, ...args], {
    env: { XDG_STATE_HOME: path.join(dir, 'state') },
  });
}

const without =
  (...names: string[]) =>
  (doc: ClusterDoc) =>
    void (doc.spec.hosts = doc.spec.hosts.filter((h) => !names.includes(h.name)));

function adminCluster(): Promise<Cluster> {
  const kubeconfig = path.join(nodeRoot('control-plane'), 'etc/kubernetes/admin.conf');
  return clusterFromKubeconfig(readFileSync(kubeconfig, 'utf8'), { source: kubeconfig });
}

const nodeNames = async () => (await (await adminCluster()).list<Node>('v1', 'Node')).map((n) => n.metadata.name).sort();

async function etcdMembers(): Promise<string[]> {
  const pki = path.join(nodeRoot('control-plane'), 'etc/kubernetes/pki');
  const address = full.spec.hosts.find((h) => h.name === 'control-plane')!.ssh.address;
  const etcd = new EtcdClient([`https://${address}:2379`], {
    ca: readFileSync(path.join(pki, 'etcd/ca.crt')),
    cert: readFileSync(path.join(pki, 'apiserver-etcd-client.crt')),
    key: readFileSync(path.join(pki, 'apiserver-etcd-client.key')),
  });
  return (await etcd.memberList()).map((m) => `${m.name}${m.isLearner ? ' (learner)' : ''}`).sort();
}

describe('bosun apply converges a cluster on its file', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-converge-'));
    const made = await bosun('sandbox', 'hosts', '4', '--control-planes', '3', '--dir', dir, '--version', VERSION);
    expect(made.code, failed(made)).toBe(0);
    full = parseYaml(readFileSync(sandboxPaths(dir).cluster, 'utf8')) as ClusterDoc;
  });

  afterAll(async () => {
    if (dir && existsSync(dir)) await bosun('sandbox', 'down', '--dir', dir, '--purge');
  });

  it('builds two control-plane hosts and a worker; then the host added to the file joins: three voting etcd members', async () => {
    const first = await applyWith('first', without('control-plane-3'), '--yes');
    expect(first.code, failed(first)).toBe(0);
    expect(await nodeNames()).toEqual(['control-plane', 'control-plane-2', 'worker-1']);
    const added = await applyWith('all', () => {}, '--yes');
    expect(added.code, failed(added)).toBe(0);
    expect(added.stdout).toMatch(/control-plane-3 +control-plane +install v1\.36\.3 +join as control-plane/);
    expect(added.stdout).toMatch(/worker-1 +worker +present +leave alone +already a node/);
    const nodes = await (await adminCluster()).list<Node>('v1', 'Node');
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(['control-plane', 'control-plane-2', 'control-plane-3', 'worker-1']);
    for (const node of nodes) expect(isNodeReady(node), node.metadata.name).toBe(true);
    expect(await etcdMembers()).toEqual(['control-plane', 'control-plane-2', 'control-plane-3']);
  });

  it('refuses an older kubernetesVersion, or one bosun does not deploy, before anything changes', async () => {
    const older = await applyWith('older', (doc) => void (doc.spec.kubeadm[0].kubernetesVersion = 'v1.35.0'), '--yes');
    expect(older.code).not.toBe(0);
    expect(older.stderr).toMatch(
      /older\.yaml: kubernetesVersion is v1\.35\.0, the cluster runs v1\.36\.3; nothing was changed\. Kubernetes clusters are not downgraded/,
    );
    const jump = await applyWith('jump', (doc) => void (doc.spec.kubeadm[0].kubernetesVersion = 'v1.38.0'), '--yes');
    expect(jump.code).not.toBe(0);
    expect(jump.stderr).toMatch(/jump\.yaml \(spec\.kubeadm\): ClusterConfiguration: kubernetesVersion: v1\.38\.0 is not supported/);
  });

  it('a node left out of the file is kept and said, without --prune; --dry-run --prune shows its removal and changes nothing', async () => {
    const kept = await applyWith('no-worker', without('worker-1'), '--yes');
    expect(kept.code, failed(kept)).toBe(0);
    expect(kept.stdout).toContain('nothing to do');
    expect(kept.stdout).toContain('[apply] worker-1: not in the file: kept (give --prune to remove)');
    const dry = await applyWith('no-worker', without('worker-1'), '--prune', '--dry-run');
    expect(dry.code, failed(dry)).toBe(0);
    expect(dry.stdout).toMatch(/worker-1 +worker +- +remove \(drain, etcd member, Node\) +not in the file; bosun cannot reach its machine/);
    expect(await nodeNames()).toContain('worker-1');
  });

  it('--prune: a reset host leaves etcd, the cluster and its files; a node not in the file leaves the cluster; then nothing to do', async () => {
    const reset = (doc: ClusterDoc) => {
      without('worker-1')(doc);
      doc.spec.hosts.find((h) => h.name === 'control-plane-2')!.reset = true;
    };
    const pruned = await applyWith('pruned', reset, '--prune', '--yes');
    expect(pruned.code, failed(pruned)).toBe(0);
    expect(pruned.stdout).toMatch(/control-plane-2 +control-plane +- +remove \(drain, etcd member, Node\) +reset: true in the file/);
    expect(pruned.stdout).toContain('[control-plane-2] [etcd] Removed etcd member');
    expect(pruned.stdout).toContain('[worker-1] its machine is not in the file: its files are left');
    expect(await etcdMembers()).toEqual(['control-plane', 'control-plane-3']);
    expect(await nodeNames()).toEqual(['control-plane', 'control-plane-3']);
    expect(existsSync(path.join(nodeRoot('control-plane-2'), 'etc/kubernetes/kubelet.conf'))).toBe(false);
    expect(existsSync(path.join(nodeRoot('worker-1'), 'etc/kubernetes/kubelet.conf'))).toBe(true);
    const again = await applyWith('pruned', reset, '--prune', '--yes');
    expect(again.code, failed(again)).toBe(0);
    expect(again.stdout).toContain('nothing to do');
    expect(await nodeNames()).toEqual(['control-plane', 'control-plane-3']);
  });

  // upgrade apply's component restarts, then per node a drain, a kubelet restart and a wait for Ready: minutes on a busy machine.
  it('a raised kubernetesVersion upgrades the whole cluster: the control plane with upgrade apply, then every node through the roll', async () => {
    const raise = (doc: ClusterDoc) => {
      without('worker-1')(doc);
      doc.spec.hosts.find((h) => h.name === 'control-plane-2')!.reset = true;
      doc.spec.kubeadm[0].kubernetesVersion = 'v1.37.1';
    };
    const upgraded = await applyWith('upgraded', raise, '--yes');
    expect(upgraded.code, failed(upgraded)).toBe(0);
    expect(upgraded.stdout).toContain('Upgrade v1.36.3 → v1.37.1 first: the control plane on control-plane (upgrade apply)');
    expect(readdirSync(path.join(dir, 'state/bosun')).filter((f) => f.startsWith('node-roll-'))).toHaveLength(1);
    const cluster = await adminCluster();
    expect(JSON.parse((await cluster.raw('/version')).body).gitVersion).toBe('v1.37.1');
    const nodes = await cluster.list<Node>('v1', 'Node');
    expect(nodes.map((n) => [n.metadata.name, n.status?.nodeInfo?.kubeletVersion, isNodeReady(n), Boolean(n.spec?.unschedulable)]).sort()).toEqual([
      ['control-plane', 'v1.37.1', true, false],
      ['control-plane-3', 'v1.37.1', true, false],
    ]);
    const apiServers = await cluster.list<Pod>('v1', 'Pod', { namespace: 'kube-system', labelSelector: 'component=kube-apiserver' });
    expect(apiServers.map((p) => [p.spec?.nodeName, p.spec?.containers[0].image?.split(':').pop()]).sort()).toEqual([
      ['control-plane', 'v1.37.1'],
      ['control-plane-3', 'v1.37.1'],
    ]);
    const again = await applyWith('upgraded', raise, '--yes');
    expect(again.code, failed(again)).toBe(0);
    expect(again.stdout).toContain('nothing to do');
  }, 900_000);
});
