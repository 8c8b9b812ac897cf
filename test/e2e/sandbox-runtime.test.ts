/**
 * The container runtime on a sandbox node's disk, end to end: one control plane and two workers, one of them a
 * Docker node. Every Node reports the runtime its kubelet's files select, with the version that runtime's own
 * binary prints; over SSH, stopping containerd takes the node NotReady and starting it brings it back, and a
 * configuration containerd cannot read makes its restart fail with containerd's own words.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { isNodeReady, type Node } from '../../src/kube/workloads.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { bosun, sandboxSsh, startSandbox, type Sandbox, type SandboxSsh } from '../support/sandbox.js';

const WATCH_MS = 120_000;

let sandbox: Sandbox;
let cluster: Cluster;
let ssh: SandboxSsh;

const address = (name: string) => {
  const state = JSON.parse(readFileSync(sandboxPaths(sandbox.dir).state, 'utf8')) as SandboxState;
  return state.nodes.find((n) => n.name === name)!.network!.address;
};
const onNode = (node: string, command: string) => ssh.ssh(address(node), command);
const runtimeOf = (node: Node) => (node.status?.nodeInfo as { containerRuntimeVersion?: string } | undefined)?.containerRuntimeVersion;
const waitNode = (name: string, check: (node: Node) => boolean) =>
  cluster.watchUntil<Node>({ apiVersion: 'v1', kind: 'Node', name }, (node) => node !== undefined && check(node), WATCH_MS);

describe('container runtimes on sandbox nodes', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 2, args: ['--runtime', 'docker=worker-2'] });
    process.stdout.write(`sandbox up: ${/\{"sandbox".*\}/.exec(sandbox.up.stdout)?.[0]}\n`);
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    ssh = sandboxSsh(sandbox);
  });

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it("reports on each Node the runtime its files select, with that runtime binary's version", async () => {
    await waitNode('control-plane', (n) => runtimeOf(n) === 'containerd://2.1.4' && isNodeReady(n));
    await waitNode('worker-1', (n) => runtimeOf(n) === 'containerd://2.1.4' && isNodeReady(n));
    await waitNode('worker-2', (n) => runtimeOf(n) === 'docker://20.10.24+dfsg1' && isNodeReady(n));
    // The versions are the binaries' own, as a session on the node sees them.
    expect((await onNode('worker-1', 'containerd --version')).stdout).toMatch(/^containerd github.com\/containerd\/containerd\/v2 2\.1\.4 /);
    expect((await onNode('worker-2', '/usr/sbin/dockerd --version')).stdout).toMatch(/^Docker version 20\.10\.24\+dfsg1,/);
  });

  it("gives a Docker node Docker's files and units, its kubelet on cri-dockerd, and a workload on docker.sock", async () => {
    const files = await onNode('worker-2', 'cat /etc/docker/daemon.json /etc/containerd/config.toml /var/lib/kubelet/instance-config.yaml');
    expect(files.stdout).toContain('native.cgroupdriver=cgroupfs');
    expect(files.stdout).toContain('disabled_plugins = ["cri"]');
    expect(files.stdout).toContain('containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock');
    const units = await onNode(
      'worker-2',
      'systemctl is-active docker docker.socket containerd cri-docker cri-docker.socket; systemctl is-enabled docker cri-docker.socket',
    );
    expect(units.stdout).toBe('active\nactive\nactive\nactive\nactive\nenabled\nenabled\n');
    // A containerd node has no Docker.
    expect((await onNode('worker-1', 'systemctl is-active docker')).stdout).toBe('inactive\n');
    const ds = JSON.parse(await sandbox.kubectlOk('-n', 'kube-system', 'get', 'daemonset', 'docker-log-agent', '-o', 'json'));
    expect(ds.spec.template.spec.volumes).toContainEqual({ name: 'docker-sock', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } });
  });

  it('takes a node NotReady while its containerd is stopped, and Ready again when it starts', async () => {
    expect((await onNode('worker-1', 'systemctl stop containerd')).code).toBe(0);
    expect((await onNode('worker-1', 'systemctl is-active containerd; systemctl is-active kubelet')).stdout).toBe('inactive\nactive\n');
    const down = await waitNode('worker-1', (n) => !isNodeReady(n));
    expect(down?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      message: expect.stringContaining('container runtime is down'),
    });
    expect((await onNode('worker-1', 'systemctl start containerd')).code).toBe(0);
    await waitNode('worker-1', (n) => isNodeReady(n) && runtimeOf(n) === 'containerd://2.1.4');
  });

  it("fails containerd's restart on a configuration it cannot read, with containerd's parse error", async () => {
    const broken = await onNode('worker-1', "printf 'version = 3\\n[plugins\\n' > /etc/containerd/config.toml && systemctl restart containerd");
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toContain('Job for containerd.service failed');
    expect(broken.stderr).toMatch(/containerd: failed to unmarshal TOML/);
    expect((await onNode('worker-1', 'systemctl is-active containerd')).stdout).toBe('failed\n');
    await waitNode('worker-1', (n) => !isNodeReady(n));
    // Its enabled state is on its disk, as systemd keeps it.
    expect((await onNode('worker-1', 'ls /etc/systemd/system/multi-user.target.wants')).stdout).toContain('containerd.service');
  });

  it('joins a Docker worker on cri-dockerd with its kubelet on cgroupfs (sandbox join --runtime docker)', async () => {
    const joined = await bosun('sandbox', 'join', '--dir', sandbox.dir, '--workers', '1', '--runtime', 'docker');
    expect(joined.code, joined.stderr).toBe(0);
    await waitNode('worker-3', (n) => runtimeOf(n) === 'docker://20.10.24+dfsg1' && isNodeReady(n));
    const files = await onNode('worker-3', 'cat /var/lib/kubelet/instance-config.yaml /var/lib/kubelet/config.yaml');
    expect(files.stdout).toContain('containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock');
    expect(files.stdout).toMatch(/^cgroupDriver: cgroupfs$/m);
  });
});
