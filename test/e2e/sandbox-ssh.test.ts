/**
 * The sandbox's nodes as machines: every node runs Debian's sshd in its network namespace, chrooted into its
 * rootfs; the system OpenSSH client (strict host key checking against the sandbox's known_hosts) sees the node's
 * files at their real paths, replaces the kubelet binary over SFTP and drives the kubelet with systemctl, and the
 * Node reports what the kubelet started from those files would.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { isNodeReady, type Node } from '../../src/kube/workloads.js';
import { artifactDir, kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { isRunning } from '../../src/sandbox/processes.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { parseYaml } from '../../src/util/yaml.js';
import { bosun, sandboxSsh, startSandbox, type Sandbox, type SandboxSsh } from '../support/sandbox.js';

const OLD = 'v1.36.3';
const NEW = 'v1.37.1';
const WATCH_MS = 120_000;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const cachedKubelet = (version: string) => path.join(artifactDir(kubernetesArtifact(version)), 'kubelet');

interface ClusterHost {
  name: string;
  role: string;
  ssh: { address: string; port: number; user: string; keyPath: string };
  kubelet: { install: string };
}

let sandbox: Sandbox;
let cluster: Cluster;
let ssh: SandboxSsh;
let hosts: ClusterHost[];
const address = (name: string) => hosts.find((h) => h.name === name)!.ssh.address;
const state = (): SandboxState => JSON.parse(readFileSync(path.join(sandbox.dir, 'state.json'), 'utf8'));

async function sshOk(node: string, command: string): Promise<string> {
  const result = await ssh.ssh(address(node), command);
  expect(result.code, `ssh ${node} ${command}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

const waitNode = (name: string, check: (node: Node) => boolean) =>
  cluster.watchUntil<Node>({ apiVersion: 'v1', kind: 'Node', name }, (node) => node !== undefined && check(node), WATCH_MS);

describe('sandbox nodes are SSH hosts', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ version: OLD, workers: 2 });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    ssh = sandboxSsh(sandbox);
  });

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it('prints its inventory (kind Cluster) with a 0600 key, and writes known_hosts for every node', async () => {
    const result = await bosun('sandbox', 'inventory', '--dir', sandbox.dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`--known-hosts ${ssh.knownHosts}`);
    const doc = parseYaml(result.stdout) as { apiVersion: string; kind: string; spec: { hosts: ClusterHost[] } };
    expect(doc).toMatchObject({ apiVersion: 'bosun.dev/v1alpha1', kind: 'Cluster' });
    hosts = doc.spec.hosts;
    expect(hosts.map((h) => [h.name, h.role])).toEqual([
      ['control-plane', 'control-plane'],
      ['worker-1', 'worker'],
      ['worker-2', 'worker'],
    ]);
    for (const host of hosts) {
      expect(host.ssh).toEqual({ address: expect.stringMatching(/^10\.251\.\d+\.\d+$/), port: 22, user: 'root', keyPath: ssh.keyPath });
      expect(host.kubelet.install).toBe('binary');
    }
    expect(statSync(ssh.keyPath).mode & 0o777).toBe(0o600);
    const known = readFileSync(ssh.knownHosts, 'utf8').trim().split('\n');
    expect(known.map((line) => line.split(' ')[0]).sort()).toEqual(hosts.map((h) => h.ssh.address).sort());
    // Each Node's address is its machine's.
    for (const host of hosts) {
      const node = await cluster.get<Node & { status: { addresses: Array<{ type: string; address: string }> } }>({
        apiVersion: 'v1',
        kind: 'Node',
        name: host.name,
      });
      expect(node?.status.addresses).toContainEqual({ type: 'InternalIP', address: host.ssh.address });
    }
  });

  it("shows a session the node's files at their real paths, and machine facts", async () => {
    const out = await sshOk(
      'control-plane',
      'ls /etc/kubernetes /var/lib/kubelet; test -f /usr/bin/kubelet && echo kubelet-is-a-file; uname -s; cat /etc/os-release',
    );
    expect(out).toMatch(/^admin\.conf$/m);
    expect(out).toMatch(/^manifests$/m);
    expect(out).toMatch(/^config\.yaml$/m);
    expect(out).toMatch(/^kubeadm-flags\.env$/m);
    expect(out).toContain('kubelet-is-a-file');
    expect(out).toMatch(/^Linux$/m);
    expect(out).toMatch(/^ID=debian$/m);
    // Memory and the ports the node listens on, as preflight reads them: sshd's 22 (0x16) in the node's namespace.
    expect(await sshOk('control-plane', 'head -1 /proc/meminfo')).toMatch(/^MemTotal:\s+\d+ kB$/m);
    expect(await sshOk('worker-1', 'cat /proc/net/tcp')).toMatch(/^\s*\d+: [0-9A-F]{8}:0016 00000000:0000 0A /m);
    // Nothing of the machine bosun runs on: the session is chrooted into the node's rootfs.
    expect((await ssh.ssh(address('control-plane'), `test -e ${sandbox.dir}`)).code).not.toBe(0);
  });

  it("has the cached kubelet binary of the sandbox's version on every node's disk, as a real file", async () => {
    const expected = sha256(readFileSync(cachedKubelet(OLD)));
    for (const host of hosts) {
      expect((await sshOk(host.name, 'sha256sum /usr/bin/kubelet')).split(' ')[0], host.name).toBe(expected);
      expect(sha256(readFileSync(path.join(sandbox.dir, 'nodes', host.name, 'usr/bin/kubelet'))), host.name).toBe(expected);
      expect(await sshOk(host.name, 'systemctl is-active kubelet')).toBe('active\n');
    }
  });

  it('refuses a host whose key is not in known_hosts', async () => {
    const empty = path.join(sandbox.dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const result = await ssh.ssh(address('worker-1'), 'true', { knownHosts: empty });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Host key verification failed/);
  });

  it('reports the kubelet version a restart starts from the binary put over SFTP', async () => {
    const sftp = await ssh.sftp(
      address('worker-1'),
      `put ${cachedKubelet(NEW)} /usr/bin/kubelet.new\nchmod 755 /usr/bin/kubelet.new\nrename /usr/bin/kubelet.new /usr/bin/kubelet\n`,
    );
    expect(sftp.code, sftp.stderr).toBe(0);
    await sshOk('worker-1', 'systemctl restart kubelet');
    const node = await waitNode('worker-1', (n) => n.status?.nodeInfo?.kubeletVersion === NEW);
    expect(node?.status?.nodeInfo?.kubeletVersion).toBe(NEW);
    const expected = sha256(readFileSync(cachedKubelet(NEW)));
    expect(sha256(readFileSync(path.join(sandbox.dir, 'nodes/worker-1/usr/bin/kubelet')))).toBe(expected);
    expect((await sshOk('worker-1', 'sha256sum /usr/bin/kubelet')).split(' ')[0]).toBe(expected);
    // The other nodes' kubelets were not touched.
    expect((await cluster.get<Node>({ apiVersion: 'v1', kind: 'Node', name: 'worker-2' }))?.status?.nodeInfo?.kubeletVersion).toBe(OLD);
  });

  it('makes the Node NotReady when the kubelet stops, and Ready again when it starts', async () => {
    await sshOk('worker-2', 'systemctl stop kubelet');
    await waitNode('worker-2', (n) => !isNodeReady(n));
    const inactive = await ssh.ssh(address('worker-2'), 'systemctl is-active kubelet');
    expect([inactive.code, inactive.stdout]).toEqual([3, 'inactive\n']);
    await sshOk('worker-2', 'systemctl start kubelet');
    await waitNode('worker-2', isNodeReady);
    expect(await sshOk('worker-2', 'systemctl is-active kubelet')).toBe('active\n');
    // A unit the node's disk has no file for (its runtime is containerd: see sandbox-runtime.test.ts) is not found.
    const unknown = await ssh.ssh(address('worker-2'), 'systemctl restart crio');
    expect([unknown.code, unknown.stderr]).toEqual([5, 'Failed to restart crio.service: Unit crio.service not found.\n']);
  });

  it('stops every sshd and removes its mounts with sandbox down; up again keeps the host keys known_hosts names', async () => {
    const before = state();
    const sshds = before.processes.filter((p) => p.name.startsWith('sshd/'));
    expect(sshds.map((p) => p.name).sort()).toEqual(['sshd/control-plane', 'sshd/worker-1', 'sshd/worker-2']);
    const knownHosts = readFileSync(ssh.knownHosts, 'utf8');
    const runtime = `/run/bosun-sandbox/${before.network.slot}`;
    expect(readdirSync(path.join(runtime, 'roots')).sort()).toEqual(['control-plane', 'worker-1', 'worker-2']);

    const down = await bosun('sandbox', 'down', '--dir', sandbox.dir);
    expect(down.code, down.stderr).toBe(0);
    for (const p of sshds) expect(isRunning(p), p.name).toBe(false);
    expect(existsSync(runtime)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(`${runtime}/`);

    const up = await bosun('sandbox', 'up', '--dir', sandbox.dir);
    expect(up.code, up.stderr).toBe(0);
    expect(readFileSync(ssh.knownHosts, 'utf8')).toBe(knownHosts);
    // The kubelet put on worker-1's disk is the one it starts from after the restart.
    expect((await sshOk('worker-1', 'sha256sum /usr/bin/kubelet')).split(' ')[0]).toBe(sha256(readFileSync(cachedKubelet(NEW))));
    for (const host of hosts) expect(await sshOk(host.name, 'echo up'), host.name).toBe('up\n');
  });
});
