/**
 * `bosun migrate runtime --to containerd` over SSH, end to end: a sandbox of one control plane (containerd) and two
 * Docker workers (cri-dockerd, cgroupfs). worker-1 moves to containerd: its Node reports the containerd of its disk,
 * its kubelet files point at containerd's socket, Docker's units are off. worker-2 is made to fail: the test watches
 * its config.toml from the host side and makes it invalid right after bosun writes it, so containerd does not start;
 * bosun rolls it back to Docker and its old files byte for byte, leaves it cordoned and stops naming it.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { isNodeReady, type Node } from '../../src/kube/workloads.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { bosun, startSandbox, waitForFile, type Sandbox } from '../support/sandbox.js';
import { rootfs, sha256 } from '../support/ssh-roll.js';

const LONG = 900_000;
const WATCH_MS = 300_000;
/** The files a runtime migration changes on a Docker node of this sandbox (instance-config.yaml layout). */
const FILES = ['etc/containerd/config.toml', 'var/lib/kubelet/kubeadm-flags.env', 'var/lib/kubelet/config.yaml', 'var/lib/kubelet/instance-config.yaml'];

let sandbox: Sandbox;
let cluster: Cluster;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-migrate-runtime-'));

const runtimeOf = (node: Node | undefined) => node?.status?.nodeInfo?.containerRuntimeVersion;
const getNode = (name: string) => cluster.get<Node>({ apiVersion: 'v1', kind: 'Node', name });
const waitNode = (name: string, check: (node: Node) => boolean) =>
  cluster.watchUntil<Node>({ apiVersion: 'v1', kind: 'Node', name }, (node) => node !== undefined && check(node), WATCH_MS);
const fileDigests = (node: string) =>
  Object.fromEntries(
    FILES.map((f) => [f, existsSync(path.join(rootfs(sandbox, node), f)) ? sha256(readFileSync(path.join(rootfs(sandbox, node), f))) : 'absent']),
  );

describe('migrate runtime over SSH', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 2, args: ['--runtime', 'docker=worker-1,worker-2'] });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    for (const name of ['worker-1', 'worker-2']) await waitNode(name, (n) => isNodeReady(n) && (runtimeOf(n) ?? '').startsWith('docker://'));
  }, LONG);

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it(
    'moves one Docker worker to containerd, rolls the one whose containerd cannot start back byte for byte, and stops naming it',
    async () => {
      const paths = sandboxPaths(sandbox.dir);
      const before = fileDigests('worker-2');
      // The failure: worker-2's config.toml made invalid as soon as bosun has written its own (runc's SystemdCgroup in it).
      const config = path.join(rootfs(sandbox, 'worker-2'), 'etc/containerd/config.toml');
      const sabotaged = waitForFile(
        path.dirname(config),
        async () => {
          if (!readFileSync(config, 'utf8').includes('SystemdCgroup')) return undefined;
          writeFileSync(config, 'version = 2\n[plugins\n');
          return true;
        },
        LONG,
        "bosun's config.toml on worker-2",
      );
      const args = ['--kubeconfig', sandbox.kubeconfig, '--inventory', paths.cluster, '--known-hosts', paths.knownHosts, '--journal-dir', scratch];
      const dry = await bosun('migrate', 'runtime', '--to', 'containerd', ...args, '--dry-run');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('[migrate/runtime] Moving 2 node(s) to containerd in 2 batch(es):');
      expect(dry.stdout).toContain('skipped control-plane: already on containerd');
      expect(dry.stdout).toContain(
        '/var/lib/kubelet/instance-config.yaml and /var/lib/kubelet/config.yaml: containerRuntimeEndpoint unix:///run/containerd/containerd.sock',
      );

      const run = await bosun('migrate', 'runtime', '--to', 'containerd', ...args, '--yes', '--health-timeout', '120s');
      process.stdout.write(`${run.stdout}\n${run.stderr}\n`);
      expect(run.code).not.toBe(0);
      await sabotaged;
      expect(run.stderr).toMatch(
        /worker-2: (containerd-start|wait-ready) failed: [\s\S]*; rolled back: its files and services are as before the roll \(the node stays cordoned\)/,
      );
      expect(run.stderr).toContain('"bosun migrate runtime --resume" continues the roll once fixed');

      // worker-1: on the containerd of its disk, its kubelet on containerd's socket, uncordoned.
      const moved = await waitNode('worker-1', (n) => isNodeReady(n) && (runtimeOf(n) ?? '').startsWith('containerd://'));
      expect(runtimeOf(moved)).toMatch(/^containerd:\/\/1\.6\.20/);
      expect(moved?.spec?.unschedulable).toBeFalsy();
      const instance = readFileSync(path.join(rootfs(sandbox, 'worker-1'), 'var/lib/kubelet/instance-config.yaml'), 'utf8');
      expect(instance).toContain('containerRuntimeEndpoint: unix:///run/containerd/containerd.sock');

      // worker-2: its files byte for byte as before, back on Docker and Ready, cordoned.
      expect(fileDigests('worker-2')).toEqual(before);
      const back = await waitNode('worker-2', (n) => isNodeReady(n) && (runtimeOf(n) ?? '').startsWith('docker://'));
      expect(back?.spec?.unschedulable).toBe(true);
      expect(runtimeOf(await getNode('control-plane'))).toMatch(/^containerd:\/\//);
    },
    LONG,
  );
});
