import { existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodReport } from '../../src/sandbox/mirror.js';
import { bosun, startRunnerNode, type RunnerNode } from '../support/sandbox.js';

/** Written as the Host door writes files: a temp file renamed into place. */
async function writeManifest(node: RunnerNode, name: string, text: string): Promise<void> {
  await fs.mkdir(node.manifests, { recursive: true });
  const temp = path.join(node.manifests, `.${name}.tmp`);
  await fs.writeFile(temp, text);
  await fs.rename(temp, path.join(node.manifests, name));
}

/** An etcd static pod as kubeadm writes it, with its data under a host path that differs from the mount path. */
function etcdManifest(extraArgs: string[] = []): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
  labels:
    component: etcd
spec:
  hostNetwork: true
  containers:
    - name: etcd
      image: registry.k8s.io/etcd:3.6.16-0
      command:
        - etcd
        - --name=control-plane
        - --data-dir=/var/lib/etcd
        - --listen-client-urls=http://127.0.0.1:2379
        - --advertise-client-urls=http://127.0.0.1:2379
        - --listen-peer-urls=http://127.0.0.1:2380
        - --initial-advertise-peer-urls=http://127.0.0.1:2380
        - --initial-cluster=control-plane=http://127.0.0.1:2380
        - --listen-metrics-urls=http://127.0.0.1:2381
${extraArgs.map((a) => `        - ${a}\n`).join('')}      startupProbe:
        httpGet:
          host: 127.0.0.1
          path: /readyz
          port: 2381
          scheme: HTTP
        periodSeconds: 1
        failureThreshold: 120
      volumeMounts:
        - name: etcd-data
          mountPath: /var/lib/etcd
  volumes:
    - name: etcd-data
      hostPath:
        path: /var/lib/etcd-data
        type: DirectoryOrCreate
`;
}

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
/** Running, not just not yet reaped (an orphan's zombie waits for its reaper). */
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
const container = (pods: PodReport[], file: string) => pods.find((p) => p.file === file)?.containers[0];

describe('the static-pod runner', () => {
  let node: RunnerNode;

  beforeAll(async () => {
    node = await startRunnerNode();
  });

  afterAll(async () => {
    await node?.down();
  });

  let etcdPid: number;

  it("starts a manifest's container in the node's network namespace, with host paths in the node's rootfs, and marks it ready by its probe", async () => {
    await writeManifest(node, 'etcd.yaml', etcdManifest());
    const etcd = await node.waitPods((pods) => {
      const c = container(pods, 'etcd.yaml');
      return c?.state === 'running' && c.ready ? c : undefined;
    }, 'etcd running and ready');
    etcdPid = etcd.pid!;
    expect(cmdline(etcdPid)).toContain(`--data-dir=${node.rootfs}/var/lib/etcd-data`);
    expect(existsSync(path.join(node.rootfs, 'var/lib/etcd-data/member'))).toBe(true);
    const netns = JSON.parse(readFileSync(path.join(node.dir, 'state.json'), 'utf8')).nodes[0].network.netns;
    expect(statSync(`/proc/${etcdPid}/ns/net`).ino).toBe(statSync(`/run/netns/${netns}`).ino);
    expect(readFileSync(path.join(node.logs, 'etcd.log'), 'utf8')).toContain('bosun sandbox runner: starting etcd/etcd');
  });

  it('restarts a crashed process', async () => {
    process.kill(etcdPid, 'SIGKILL');
    const etcd = await node.waitPods((pods) => {
      const c = container(pods, 'etcd.yaml');
      return c?.state === 'running' && c.pid !== etcdPid ? c : undefined;
    }, 'etcd restarted');
    expect(etcd.restartCount).toBe(1);
    expect(etcd.lastTermination?.exitCode).toBe(137);
    etcdPid = etcd.pid!;
  });

  it('restarts the pod when its manifest changes', async () => {
    await writeManifest(node, 'etcd.yaml', etcdManifest(['--snapshot-count=5000']));
    const etcd = await node.waitPods((pods) => {
      const c = container(pods, 'etcd.yaml');
      return c?.state === 'running' && c.pid !== etcdPid ? c : undefined;
    }, 'etcd started from the new manifest');
    expect(alive(etcdPid)).toBe(false);
    expect(etcd.restartCount).toBe(0);
    expect(cmdline(etcd.pid!)).toContain('--snapshot-count=5000');
    etcdPid = etcd.pid!;
  });

  it('takes over from a runner that died: what it left running is stopped and started again', async () => {
    await node.crashRunner();
    const etcd = await node.waitPods((pods) => {
      const c = container(pods, 'etcd.yaml');
      return c?.state === 'running' && c.ready && c.pid !== etcdPid ? c : undefined;
    }, 'etcd started by the new runner');
    expect(alive(etcdPid)).toBe(false);
    etcdPid = etcd.pid!;
  });

  it('stops the pod when its manifest is removed', async () => {
    await fs.rm(path.join(node.manifests, 'etcd.yaml'));
    await node.waitPods((pods) => (pods.some((p) => p.file === 'etcd.yaml') ? undefined : true), 'etcd stopped');
    expect(alive(etcdPid)).toBe(false);
  });

  it('reports a component that cannot start, and a manifest it cannot run', async () => {
    await writeManifest(
      node,
      'kube-scheduler.yaml',
      `apiVersion: v1
kind: Pod
metadata:
  name: kube-scheduler
  namespace: kube-system
spec:
  containers:
    - name: kube-scheduler
      image: registry.k8s.io/kube-scheduler:v1.37.1
      command: [kube-scheduler, --no-such-flag]
`,
    );
    await writeManifest(
      node,
      'pause.yaml',
      `apiVersion: v1
kind: Pod
metadata: {name: pause}
spec:
  containers: [{name: pause, image: registry.k8s.io/pause:3.10}]
`,
    );
    await writeManifest(node, 'broken.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec: {}\n');
    const pods = await node.waitPods((pods) => {
      const scheduler = container(pods, 'kube-scheduler.yaml');
      return scheduler?.reason === 'CrashLoopBackOff' && pods.some((p) => p.file === 'broken.yaml') ? pods : undefined;
    }, 'kube-scheduler in CrashLoopBackOff');
    const scheduler = container(pods, 'kube-scheduler.yaml')!;
    expect(scheduler.lastTermination?.exitCode).not.toBe(0);
    expect(scheduler.message).toMatch(/back-off .* restarting failed container=kube-scheduler/);
    expect(container(pods, 'pause.yaml')).toMatchObject({ state: 'waiting', reason: 'ErrImagePull' });
    expect(pods.find((p) => p.file === 'broken.yaml')?.error).toMatch(/broken\.yaml: Pod: spec\.containers: at least one container/);

    const status = await bosun('sandbox', 'status', '--dir', node.dir);
    expect(status.code).not.toBe(0);
    expect(status.stdout).toMatch(/kube-scheduler\.yaml: kube-scheduler: waiting \(CrashLoopBackOff\), restarts \d+, last exit [1-9]/);
    expect(status.stdout).toContain('pause.yaml: pause: waiting (ErrImagePull)');
    expect(status.stdout).toContain('broken.yaml: not started');
  });

  it('leaves no process behind after sandbox down', async () => {
    const state = JSON.parse(readFileSync(path.join(node.dir, 'state.json'), 'utf8'));
    const runnerPid: number = state.processes[0].pid;
    const netns: string = state.nodes[0].network.netns;
    const result = await node.down();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(alive(runnerPid)).toBe(false);
    expect(existsSync(`/run/netns/${netns}`)).toBe(false);
    expect(existsSync(`/sys/class/net/${state.network.bridge}`)).toBe(false);
    expect(existsSync(node.dir)).toBe(false);
  });
});
