/**
 * `bosun reset` over SSH on the hosts of a real cluster (`bosun sandbox hosts` + `bosun apply`: 3 control-plane
 * nodes with stacked etcd and a worker): a worker reset with --delete-node keeps none of kubeadm's files and loses
 * its Node, and joins again; a control-plane node's reset leaves etcd two healthy members; the last member is refused.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import { EtcdClient } from '../../src/etcd/etcd.js';
import { isNodeReady, type Node } from '../../src/kube/workloads.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { parseYaml } from '../../src/util/yaml.js';
import { filesUnder } from '../support/join.js';
import { bosun, type CliResult } from '../support/sandbox.js';

const VERSION = 'v1.36.3';

/** kubeadm reset's list: directories whose contents go, and files. */
const CLEANED_DIRECTORIES = ['etc/kubernetes/manifests', 'var/lib/kubelet', 'etc/kubernetes/pki', 'var/lib/etcd'];
const REMOVED_FILES = ['admin', 'super-admin', 'kubelet', 'bootstrap-kubelet', 'controller-manager', 'scheduler'].map((n) => `etc/kubernetes/${n}.conf`);

let dir: string;
let clusterFile: string;
let knownHosts: string;
let admin: Cluster;
let addresses: Map<string, string>;

const nodeRoot = (name: string) => sandboxPaths(dir).nodeRoot(name);
const adminConf = () => path.join(nodeRoot('control-plane'), 'etc/kubernetes/admin.conf');
const failed = (r: CliResult) => `exit ${r.code}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`;
const apply = () => bosun('apply', '-f', clusterFile, '--known-hosts', knownHosts, '--yes', '--parallel', '3');
const reset = (host: string, ...args: string[]) =>
  bosun('reset', '--inventory', clusterFile, '--host', host, '--known-hosts', knownHosts, '--force', '--progress', 'plain', ...args);

/** What of kubeadm's list is still on the node: files in the cleaned directories, and the kubeconfigs. */
function kubeadmFilesLeft(name: string): string[] {
  const root = nodeRoot(name);
  return [
    ...CLEANED_DIRECTORIES.flatMap((d) => filesUnder(path.join(root, d)).map((f) => `${d}/${f}`)),
    ...REMOVED_FILES.filter((f) => existsSync(path.join(root, f))),
  ];
}

const getNode = (name: string) => admin.get<Node>({ apiVersion: 'v1', kind: 'Node', name });

function etcdAt(address: string): EtcdClient {
  const pki = path.join(nodeRoot('control-plane'), 'etc/kubernetes/pki');
  const read = (f: string) => readFileSync(path.join(pki, f));
  return new EtcdClient([`https://${address}:2379`], {
    ca: read('etcd/ca.crt'),
    cert: read('apiserver-etcd-client.crt'),
    key: read('apiserver-etcd-client.key'),
  });
}

describe('bosun reset on the hosts of a cluster', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-reset-'));
    const hosts = await bosun('sandbox', 'hosts', '4', '--control-planes', '3', '--dir', dir, '--version', VERSION);
    expect(hosts.code, failed(hosts)).toBe(0);
    clusterFile = sandboxPaths(dir).cluster;
    knownHosts = sandboxPaths(dir).knownHosts;
    const made = await apply();
    expect(made.code, failed(made)).toBe(0);
    admin = await clusterFromKubeconfig(readFileSync(adminConf(), 'utf8'), { source: adminConf() });
    const spec = (parseYaml(readFileSync(clusterFile, 'utf8')) as { spec: { hosts: Array<{ name: string; ssh: { address: string } }> } }).spec;
    addresses = new Map(spec.hosts.map((h) => [h.name, h.ssh.address]));
  }, 900_000);

  afterAll(async () => {
    if (dir && existsSync(dir)) await bosun('sandbox', 'down', '--dir', dir, '--purge');
  });

  it("resets a worker: none of kubeadm's files left, its Node deleted; it joins again", { timeout: 600_000 }, async () => {
    expect(kubeadmFilesLeft('worker-1')).toEqual(expect.arrayContaining(['etc/kubernetes/kubelet.conf', 'var/lib/kubelet/config.yaml']));
    const result = await reset('worker-1', '--delete-node', '--cleanup-network', '--kubeconfig', adminConf());
    expect(result.code, failed(result)).toBe(0);
    expect(result.stderr + result.stdout).toContain('[reset] Deleted Node worker-1');
    expect(kubeadmFilesLeft('worker-1')).toEqual([]);
    expect(filesUnder(path.join(nodeRoot('worker-1'), 'etc/cni/net.d'))).toEqual([]);
    expect(existsSync(path.join(nodeRoot('worker-1'), 'usr/bin/kubelet'))).toBe(true);
    expect(await getNode('worker-1')).toBeUndefined();

    const again = await apply();
    expect(again.code, failed(again)).toBe(0);
    const node = await getNode('worker-1');
    expect(node && isNodeReady(node)).toBe(true);
  });

  it('resets one of three control-plane nodes: etcd keeps two healthy members', { timeout: 300_000 }, async () => {
    const result = await reset('control-plane-3', '--delete-node');
    expect(result.code, failed(result)).toBe(0);
    expect(result.stderr + result.stdout).toMatch(/\[reset\] Removed etcd member control-plane-3 \([0-9a-f]+\); 2 member\(s\) left/);
    expect(kubeadmFilesLeft('control-plane-3')).toEqual([]);
    expect(await getNode('control-plane-3')).toBeUndefined();
    const etcd = etcdAt(addresses.get('control-plane')!);
    const members = await etcd.memberList();
    expect(members.map((m) => [m.name, m.isLearner]).sort()).toEqual([
      ['control-plane', false],
      ['control-plane-2', false],
    ]);
    const statuses = await Promise.all(['control-plane', 'control-plane-2'].map((n) => etcd.status(`https://${addresses.get(n)}:2379`)));
    expect(new Set(statuses.map((s) => s.leader)).size).toBe(1);
    expect(members.map((m) => m.id)).toContain(statuses[0].leader);
  });

  it('refuses to remove the last etcd member, changing nothing', { timeout: 300_000 }, async () => {
    const second = await reset('control-plane-2');
    expect(second.code, failed(second)).toBe(0);
    const before = kubeadmFilesLeft('control-plane');
    const last = await reset('control-plane', '--delete-node');
    expect(last.code, failed(last)).not.toBe(0);
    expect(last.stderr).toMatch(/etcd member control-plane \(https:\/\/[\d.]+:2380\) is the last member of the cluster's etcd: .*nothing was changed/);
    expect(kubeadmFilesLeft('control-plane')).toEqual(before);
    expect((await etcdAt(addresses.get('control-plane')!).memberList()).map((m) => m.name)).toEqual(['control-plane']);
    expect(await getNode('control-plane')).toBeDefined();
  });
});
