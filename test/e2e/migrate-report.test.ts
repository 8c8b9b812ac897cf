/**
 * `bosun migrate report` end to end: a sandbox (real kube-apiserver, controller-manager and scheduler; nodes reached
 * over SSH through the cluster file `sandbox up` wrote) with workloads that mount Docker's socket, its data
 * directory and a parent directory, created by kubectl and rolled up by the real controllers (Deployment →
 * ReplicaSet → Pods, CronJob → Job → Pod); one node's files planted as a Docker node on cgroupfs, one as a
 * containerd node on systemd. The report names each owner and class, each node as its files say, and `--exit-code`
 * exits 3.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import type { Pod } from '../../src/kube/workloads.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import type { MigrationReport } from '../../src/runtime/report.js';
import { bosun, startSandbox, type CliResult, type Sandbox } from '../support/sandbox.js';
import { rootfs } from '../support/ssh-roll.js';

const LONG = 600_000;
const WAIT = '--timeout=300s';

const WORKLOADS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: builder, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: builder}}
  template:
    metadata: {labels: {app: builder}}
    spec:
      containers: [{name: docker, image: docker:24-cli}]
      volumes: [{name: sock, hostPath: {path: /var/run/docker.sock, type: Socket}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs, namespace: default}
spec:
  selector: {matchLabels: {app: logs}}
  template:
    metadata: {labels: {app: logs}}
    spec:
      tolerations: [{operator: Exists}]
      containers: [{name: shipper, image: fluent/fluent-bit:3}]
      volumes: [{name: run, hostPath: {path: /var/run/}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cleanup, namespace: default}
spec:
  schedule: "0 0 1 1 *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: cleanup}}
        spec:
          restartPolicy: Never
          containers: [{name: prune, image: busybox}]
          volumes: [{name: data, hostPath: {path: /var/lib/docker}}]
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: default, labels: {app: agent}}
spec:
  containers: [{name: agent, image: gcr.io/datadoghq/agent:7}]
`;

const MANIFEST = `apiVersion: v1
kind: Service
metadata: {name: unrelated}
spec: {ports: [{port: 80}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly-build}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: build, image: docker:24-cli}]
          volumes: [{name: sock, hostPath: {path: /run/docker.sock}}]
`;

let sandbox: Sandbox;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bosun-migrate-report-'));
const kubectl = (...args: string[]) => sandbox.kubectlOk(...args);

function report(...extra: string[]): Promise<CliResult> {
  const paths = sandboxPaths(sandbox.dir);
  return bosun('migrate', 'report', '--kubeconfig', sandbox.kubeconfig, '--inventory', paths.cluster, '--known-hosts', paths.knownHosts, ...extra);
}

/** Watches the default namespace's Pods until each app label has a Pod (the controllers have made them). */
async function podsCreated(cluster: Cluster, apps: string[]): Promise<void> {
  const controller = new AbortController();
  const pods = new Map<string, string | undefined>();
  const all = () => apps.every((app) => [...pods.values()].includes(app));
  const timer = setTimeout(() => controller.abort(), 300_000);
  await cluster.watch<Pod>(
    'v1',
    'Pod',
    { namespace: 'default' },
    (e) => {
      if (e.type === 'LISTED') pods.clear();
      for (const pod of e.type === 'LISTED' ? e.items : [e.object]) pods.set(pod.metadata.name, pod.metadata.labels?.app);
      if (all()) controller.abort();
    },
    controller.signal,
  );
  clearTimeout(timer);
  if (!all()) throw new Error(`after 300s, no Pod yet of ${apps.filter((app) => ![...pods.values()].includes(app)).join(', ')}`);
}

/** Writes a file into a node's disk (what a node's own files say is what the report reads over SSH). */
function plant(node: string, file: string, content: string): void {
  const at = path.join(rootfs(sandbox, node), file);
  mkdirSync(path.dirname(at), { recursive: true });
  writeFileSync(at, content);
}

describe('bosun migrate report', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 2 });
    // worker-1: a Docker node behind cri-dockerd, Docker on cgroupfs while kubeadm's kubelet says systemd.
    const flags = path.join(rootfs(sandbox, 'worker-1'), 'var/lib/kubelet/kubeadm-flags.env');
    writeFileSync(
      flags,
      readFileSync(flags, 'utf8').replace('KUBELET_KUBEADM_ARGS="', 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock '),
    );
    plant('worker-1', 'etc/docker/daemon.json', JSON.stringify({ 'exec-opts': ['native.cgroupdriver=cgroupfs'] }));
    // worker-2: containerd with runc on systemd, as the kubelet.
    plant(
      'worker-2',
      'etc/containerd/config.toml',
      'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n',
    );
    await sandbox.apply(WORKLOADS);
    await kubectl('create', 'job', 'cleanup-now', '--from=cronjob/cleanup');
    const cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    await podsCreated(cluster, ['builder', 'logs', 'cleanup', 'agent']);
    await kubectl('wait', 'deployment/builder', '--for=jsonpath={.status.replicas}=2', WAIT);
    mkdirSync(path.join(scratch, 'manifests/ci'), { recursive: true });
    writeFileSync(path.join(scratch, 'manifests/ci/build.yaml'), MANIFEST);
    writeFileSync(path.join(scratch, 'manifests/README.md'), 'not a manifest: kubernetes.io/docker.sock');
  }, LONG);

  afterAll(async () => {
    if (sandbox) await sandbox.down();
    rmSync(scratch, { recursive: true, force: true });
  });

  it(
    'names each workload by its owner and class, and each node as its files say',
    async () => {
      const r = await report('-o', 'json', '--filename', path.join(scratch, 'manifests'));
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as MigrationReport;
      expect(out).toMatchObject({ apiVersion: 'bosun.dev/v1alpha1', kind: 'MigrationReport' });

      const workloads = out.workloads.map((w) => [w.kind, w.namespace, w.name, w.class, w.pods?.length ?? w.source]);
      expect(workloads).toEqual(
        expect.arrayContaining([
          ['Deployment', 'default', 'builder', 'depends', 2],
          ['CronJob', 'default', 'cleanup', 'depends', 1],
          ['DaemonSet', 'default', 'logs', 'may depend', expect.any(Number)],
          ['Pod', 'default', 'agent', 'may depend', 1],
          ['CronJob', undefined, 'nightly-build', 'depends', { file: path.join(scratch, 'manifests/ci/build.yaml'), document: 2 }],
        ]),
      );
      // Nothing else in the sandbox (its control plane, CoreDNS, kube-proxy) touches Docker's paths.
      expect(workloads).toHaveLength(5);

      const nodes = Object.fromEntries(out.nodes.map((n) => [n.name, n]));
      expect(Object.keys(nodes).sort()).toEqual(['control-plane', 'worker-1', 'worker-2']);
      for (const n of out.nodes) expect(n.unreachable, n.name).toBeUndefined();
      expect(nodes['worker-1']).toMatchObject({
        runtime: 'docker (cri-dockerd)',
        status: 'error',
        files: {
          endpoint: 'unix:///var/run/cri-dockerd.sock',
          endpointFrom: '/var/lib/kubelet/kubeadm-flags.env',
          kubeletCgroupDriver: 'systemd',
          runtimeCgroupDriver: 'cgroupfs',
        },
      });
      expect(nodes['worker-1'].errors).toEqual([
        expect.stringMatching(/^cgroup driver mismatch: the kubelet's is systemd .*docker's is cgroupfs \(\/etc\/docker\/daemon\.json\)$/),
      ]);
      expect(nodes['worker-2']).toMatchObject({
        runtime: 'containerd',
        status: 'ok',
        files: {
          runtime: 'containerd',
          kubeletCgroupDriver: 'systemd',
          runtimeCgroupDriver: 'systemd',
          runtimeCgroupDriverFrom: '/etc/containerd/config.toml',
        },
      });
      expect(out.blocking).toEqual(
        expect.arrayContaining([
          'node worker-1 runs docker (cri-dockerd)',
          expect.stringMatching(/^node worker-1: cgroup driver mismatch/),
          expect.stringMatching(/^Deployment default\/builder depends on Docker: hostPath \/var\/run\/docker\.sock/),
          expect.stringMatching(/^CronJob default\/cleanup depends on Docker: hostPath \/var\/lib\/docker/),
        ]),
      );
    },
    LONG,
  );

  it(
    'prints tables for people, keeps to a namespace, and exits 3 with --exit-code when something blocks',
    async () => {
      const text = await report('--exit-code', '--namespace', 'kube-system');
      expect(text.code, text.stderr).toBe(3);
      expect(text.stdout).toMatch(/^Nodes:\nNAME +STATUS +RUNTIME/);
      expect(text.stdout).toMatch(/^worker-1 +error +docker \(cri-dockerd\)/m);
      expect(text.stdout).not.toContain('builder');
      expect(text.stdout).toMatch(/finding\(s\) block a migration:\n {2}node worker-1 runs docker \(cri-dockerd\)/);
      expect(text.stderr).toMatch(/^error: --exit-code: \d+ finding\(s\) block a migration/);
    },
    LONG,
  );
});
