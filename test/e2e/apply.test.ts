/**
 * `bosun apply` from fresh machines (`bosun sandbox hosts`: sshd, systemctl, no kubelet, no cluster): a cluster of
 * one control-plane host and two workers built over SSH, every Node Ready on the kubelet bosun installed; a second
 * apply changes nothing (every file of every host's /etc/kubernetes and /var/lib/kubelet, and the cluster's
 * configuration objects, unchanged). Bad input and --dry-run: apply-refusals.test.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { EtcdClient } from '../../src/etcd/etcd.js';
import { CERTS_TOKEN_DESCRIPTION } from '../../src/tokens/certs-secret.js';
import { tokenFromSecret } from '../../src/tokens/secret.js';
import type { ConfigMap, Secret } from '../../src/kube/objects.js';
import { isNodeReady, type Node } from '../../src/kube/workloads.js';
import { artifactDir, kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { parseYaml } from '../../src/util/yaml.js';
import { bosun, type CliResult } from '../support/sandbox.js';

const VERSION = 'v1.36.3';
const HOSTS = ['control-plane', 'worker-1', 'worker-2'];

let dir: string;
let clusterFile: string;
let knownHosts: string;
let hostsResult: CliResult;

const nodeRoot = (name: string, sandbox = dir) => sandboxPaths(sandbox).nodeRoot(name);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const apply = (...args: string[]) => bosun('apply', '-f', clusterFile, '--known-hosts', knownHosts, ...args);
const failed = (r: CliResult) => `exit ${r.code}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`;

/** Every file under the node's /etc/kubernetes and /var/lib/kubelet, by path, with its SHA-256. */
function nodeFiles(name: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (nodePath: string) => {
    const real = path.join(nodeRoot(name), nodePath);
    if (!existsSync(real)) return;
    for (const entry of readdirSync(real)) {
      const child = path.posix.join(nodePath, entry);
      const stat = statSync(path.join(nodeRoot(name), child));
      if (stat.isDirectory()) walk(child);
      else files[child] = sha256(readFileSync(path.join(nodeRoot(name), child)));
    }
  };
  for (const top of ['/etc/kubernetes', '/var/lib/kubelet', '/usr/bin']) walk(top);
  return files;
}

async function adminCluster(sandbox = dir): Promise<Cluster> {
  const kubeconfig = path.join(nodeRoot('control-plane', sandbox), 'etc/kubernetes/admin.conf');
  return clusterFromKubeconfig(readFileSync(kubeconfig, 'utf8'), { source: kubeconfig });
}

describe('bosun apply on fresh machines', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-apply-'));
    hostsResult = await bosun('sandbox', 'hosts', '3', '--dir', dir, '--version', VERSION);
    clusterFile = sandboxPaths(dir).cluster;
    knownHosts = sandboxPaths(dir).knownHosts;
  });

  afterAll(async () => {
    if (dir && existsSync(dir)) await bosun('sandbox', 'down', '--dir', dir, '--purge');
  });

  it('sandbox hosts makes machines without a kubelet or a cluster, and prints their cluster file', () => {
    expect(hostsResult.code, failed(hostsResult)).toBe(0);
    expect(hostsResult.stdout).toContain(`bosun apply -f ${clusterFile} --known-hosts ${knownHosts}`);
    // After the binaries' progress lines, the cluster file as written.
    expect(hostsResult.stdout.endsWith(readFileSync(clusterFile, 'utf8'))).toBe(true);
    for (const name of HOSTS) {
      expect(existsSync(path.join(nodeRoot(name), 'bin/busybox')), name).toBe(true);
      expect(existsSync(path.join(nodeRoot(name), 'usr/bin/kubelet')), name).toBe(false);
      expect(existsSync(path.join(nodeRoot(name), 'etc/kubernetes/admin.conf')), name).toBe(false);
    }
  });

  it('builds one control-plane host and two workers, all Ready on the kubelet it installed; the token is gone', async () => {
    const result = await apply('--yes', '--parallel', '2');
    expect(result.code, failed(result)).toBe(0);
    // Secrets stay off the output: no bootstrap token, no certificate key.
    expect(result.stdout + result.stderr).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/);
    expect(result.stdout).toMatch(/HOST +ROLE +KUBELET +READY +TIME\ncontrol-plane +control-plane +v1\.36\.3 +Ready/);
    const cluster = await adminCluster();
    const nodes = await cluster.list<Node>('v1', 'Node');
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(HOSTS);
    for (const node of nodes) {
      expect(isNodeReady(node), node.metadata.name).toBe(true);
      expect(node.status?.nodeInfo?.kubeletVersion, node.metadata.name).toBe(VERSION);
    }
    const kubelet = sha256(readFileSync(path.join(artifactDir(kubernetesArtifact(VERSION)), 'kubelet')));
    for (const name of HOSTS) expect(sha256(readFileSync(path.join(nodeRoot(name), 'usr/bin/kubelet'))), name).toBe(kubelet);
    const tokens = (await cluster.list<Secret>('v1', 'Secret', { namespace: 'kube-system' })).filter((s) => s.type === 'bootstrap.kubernetes.io/token');
    expect(tokens.map((s) => s.metadata.name)).toEqual([]);
  });

  it('a second apply on the matching cluster changes nothing and says so', async () => {
    const cluster = await adminCluster();
    const versions = async () =>
      Promise.all(
        ['kubeadm-config', 'kubelet-config', 'kube-proxy', 'coredns'].map(
          async (name) => (await cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name }))?.metadata.resourceVersion,
        ),
      );
    const before = { files: HOSTS.map(nodeFiles), objects: await versions() };
    const result = await apply('--yes');
    expect(result.code, failed(result)).toBe(0);
    expect(result.stdout).toContain('nothing to do');
    expect(result.stdout).not.toContain('[preflight]');
    expect({ files: HOSTS.map(nodeFiles), objects: await versions() }).toEqual(before);
  });
});

describe('bosun apply with three control-plane hosts', () => {
  let multi: string;
  const CONTROL_PLANES = ['control-plane', 'control-plane-2', 'control-plane-3'];

  beforeAll(async () => {
    multi = mkdtempSync(path.join(os.tmpdir(), 'bosun-apply-'));
    const made = await bosun('sandbox', 'hosts', '5', '--control-planes', '3', '--dir', multi, '--version', VERSION);
    expect(made.code, failed(made)).toBe(0);
  });

  afterAll(async () => {
    if (multi && existsSync(multi)) await bosun('sandbox', 'down', '--dir', multi, '--purge');
  });

  it('joins the other control-plane hosts one at a time: three voting etcd members, every API server ready, the workers Ready', async () => {
    const paths = sandboxPaths(multi);
    const result = await bosun('apply', '-f', paths.cluster, '--known-hosts', paths.knownHosts, '--yes');
    expect(result.code, failed(result)).toBe(0);
    // The certificate key (64 hex digits) and the token stay off the output.
    expect(result.stdout + result.stderr).not.toMatch(/\b[0-9a-f]{64}\b|\b[a-z0-9]{6}\.[a-z0-9]{16}\b/);
    const cluster = await adminCluster(multi);
    const nodes = await cluster.list<Node>('v1', 'Node');
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual([...CONTROL_PLANES, 'worker-1', 'worker-2']);
    for (const node of nodes) expect(isNodeReady(node), node.metadata.name).toBe(true);
    const pki = path.join(nodeRoot('control-plane', multi), 'etc/kubernetes/pki');
    const hosts = (parseYaml(readFileSync(paths.cluster, 'utf8')) as { spec: { hosts: Array<{ role: string; ssh: { address: string } }> } }).spec.hosts;
    const addresses = hosts.filter((h) => h.role === 'control-plane').map((h) => h.ssh.address);
    const etcd = new EtcdClient([`https://${addresses[0]}:2379`], {
      ca: readFileSync(path.join(pki, 'etcd/ca.crt')),
      cert: readFileSync(path.join(pki, 'apiserver-etcd-client.crt')),
      key: readFileSync(path.join(pki, 'apiserver-etcd-client.key')),
    });
    const members = await etcd.memberList();
    expect(members.map((m) => [m.name, m.isLearner]).sort()).toEqual(CONTROL_PLANES.map((name) => [name, false]));
    for (const address of addresses) {
      const node = await clusterFromKubeconfig(
        readFileSync(path.join(nodeRoot('control-plane', multi), 'etc/kubernetes/admin.conf'), 'utf8').replace(/server: .*/, `server: https://${address}:6443`),
        { source: address },
      );
      expect((await node.raw('/readyz')).status, address).toBe(200);
    }
    // Left: only upload-certs' proxy token, which kubeadm also leaves to expire the kubeadm-certs Secret.
    const tokens = (await cluster.list<Secret>('v1', 'Secret', { namespace: 'kube-system' }))
      .filter((secret) => secret.type === 'bootstrap.kubernetes.io/token')
      .map((secret) => tokenFromSecret(secret).description);
    expect(tokens).toEqual([CERTS_TOKEN_DESCRIPTION]);
    const again = await bosun('apply', '-f', paths.cluster, '--known-hosts', paths.knownHosts, '--yes');
    expect(again.code, failed(again)).toBe(0);
    expect(again.stdout).toContain('nothing to do');
  });
});
