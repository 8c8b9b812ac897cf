import { existsSync, promises as fs, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodReport } from '../../src/sandbox/mirror.js';
import { isRunning } from '../../src/sandbox/processes.js';
import { manifestHash } from '../../src/sandbox/static-pod.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { bosun, startSandbox, type Sandbox } from '../support/sandbox.js';

const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const WAIT = '--timeout=180s';

/** `bosun sandbox status` asked again (every half second, up to three minutes) until `done` holds for its answer. */
async function statusUntil(dir: string, done: (s: { code: number; stdout: string }) => boolean) {
  for (let tries = 0; ; tries++) {
    const status = await bosun('sandbox', 'status', '--dir', dir);
    if (done(status) || tries >= 360) return status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Every process whose command line names the sandbox directory (its runner, kwok, components). */
function processesOf(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('bosun sandbox up: a real control plane from the real bosun init', () => {
  let sandbox: Sandbox;
  const ok = async (...args: string[]) => {
    const result = await sandbox.kubectlRun(...args);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const manifests = () => path.join(sandbox.dir, 'nodes/control-plane/etc/kubernetes/manifests');

  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 2 });
  });

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  it('reports its timings for bench', () => {
    const timings = JSON.parse(sandbox.up.stdout.trim().split('\n').at(-1)!).sandbox;
    for (const step of [
      'binaries',
      'network',
      'init',
      'init/offline-phases',
      'init/wait-control-plane',
      'init/api-phases',
      'control-plane-ready',
      'kwok',
      'total',
    ]) {
      expect(timings[step], step).toBeTypeOf('number');
    }
  });

  it('answers kubectl get --raw /readyz with its own kubectl and admin.conf', async () => {
    expect((await ok('get', '--raw', '/readyz')).trim()).toBe('ok');
  });

  it("runs controller-manager and scheduler with bosun's kubeconfigs, holding their leader Leases", async () => {
    for (const name of ['kube-controller-manager', 'kube-scheduler']) {
      await ok('-n', 'kube-system', 'wait', `lease/${name}`, '--for=jsonpath={.spec.holderIdentity}', WAIT);
      const lease = JSON.parse(await ok('-n', 'kube-system', 'get', 'lease', name, '-o', 'json'));
      expect(lease.spec.holderIdentity).toMatch(/\S/);
    }
    const pods: PodReport[] = JSON.parse(readFileSync(path.join(sandbox.dir, 'run/control-plane/pods.json'), 'utf8')).pods;
    const kcm = pods.find((p) => p.file === 'kube-controller-manager.yaml')!.containers[0];
    const argv = readFileSync(`/proc/${kcm.pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain(`--kubeconfig=${sandbox.dir}/nodes/control-plane/etc/kubernetes/controller-manager.conf`);
  });

  it('mirrors its static pods as a kubelet does: owned by the Node, hashed, Ready', async () => {
    for (const c of COMPONENTS) await ok('-n', 'kube-system', 'wait', `pod/${c}-control-plane`, '--for=condition=Ready', WAIT);
    for (const c of COMPONENTS) {
      const pod = JSON.parse(await ok('-n', 'kube-system', 'get', 'pod', `${c}-control-plane`, '-o', 'json'));
      const manifest = readFileSync(path.join(manifests(), `${c}.yaml`), 'utf8');
      expect(pod.metadata.annotations).toMatchObject({
        'kubernetes.io/config.hash': manifestHash(manifest),
        'kubernetes.io/config.mirror': manifestHash(manifest),
        'kubernetes.io/config.source': 'file',
      });
      expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Node', name: 'control-plane', controller: true })]);
      expect(pod.spec.nodeName).toBe('control-plane');
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.podIP).toMatch(/^10\.251\.\d+\.10$/);
    }
  });

  it('looks like a normal cluster: every node Ready, workloads run on the simulated workers', async () => {
    await ok('wait', 'node', '--all', '--for=condition=Ready', WAIT);
    expect((await ok('get', 'nodes', '-o', 'name')).trim().split('\n').sort()).toEqual(['node/control-plane', 'node/worker-1', 'node/worker-2']);
    await ok('create', 'deployment', 'web', '--image=registry.k8s.io/pause:3.10', '--replicas=2');
    await ok('wait', 'deployment/web', '--for=condition=Available', WAIT);
    const nodes = (await ok('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.nodeName}')).split(' ');
    expect(nodes.every((n) => n.startsWith('worker-'))).toBe(true);
  });

  it('replaces a mirror Pod when its manifest changes, and reports a component that cannot start', async () => {
    const file = path.join(manifests(), 'kube-scheduler.yaml');
    const changed = readFileSync(file, 'utf8').replace(/^( *)- --leader-elect=true$/m, '$1- --leader-elect=true\n$1- --v=1');
    expect(changed).toMatch(/^ +- --v=1$/m);
    await fs.writeFile(`${file}.tmp`, changed);
    await fs.rename(`${file}.tmp`, file);
    const hash = manifestHash(changed);
    // As a kubelet does, the runner replaces the mirror Pod: between delete and create it is NotFound, and
    // kubectl wait gives up on a missing object, so a NotFound waits for the new Pod and looks again.
    const waitScheduler = async (condition: string) => {
      for (;;) {
        const result = await sandbox.kubectlRun('-n', 'kube-system', 'wait', 'pod/kube-scheduler-control-plane', condition, WAIT);
        if (result.code === 0) return;
        expect(result.stderr, `kubectl wait ${condition}`).toMatch(/NotFound|not found/i);
        await ok('-n', 'kube-system', 'wait', 'pod/kube-scheduler-control-plane', '--for=create', WAIT);
      }
    };
    await waitScheduler(`--for=jsonpath={.metadata.annotations.kubernetes\\.io/config\\.mirror}=${hash}`);
    await waitScheduler('--for=condition=Ready');

    await fs.writeFile(
      path.join(manifests(), 'broken.yaml'),
      `apiVersion: v1
kind: Pod
metadata: {name: broken, namespace: kube-system}
spec:
  hostNetwork: true
  containers:
    - {name: broken, image: "registry.k8s.io/kube-scheduler:v1.37.1", command: [kube-scheduler, --no-such-flag]}
`,
    );
    await ok('-n', 'kube-system', 'wait', 'pod/broken-control-plane', '--for=create', WAIT);
    await ok(
      '-n',
      'kube-system',
      'wait',
      'pod/broken-control-plane',
      '--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=CrashLoopBackOff',
      WAIT,
    );
    const pod = JSON.parse(await ok('-n', 'kube-system', 'get', 'pod', 'broken-control-plane', '-o', 'json'));
    expect(pod.status.containerStatuses[0].lastState.terminated.exitCode).not.toBe(0);
    expect(pod.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False' }));
    // Between two back-offs the runner restarts the container, which runs for a moment: ask until it reports the crash loop.
    const status = await statusUntil(sandbox.dir, (s) => s.code !== 0);
    expect(status.stdout).toMatch(/broken\.yaml: broken: waiting \(CrashLoopBackOff\)/);

    await fs.rm(path.join(manifests(), 'broken.yaml'));
    await ok('-n', 'kube-system', 'wait', 'pod/broken-control-plane', '--for=delete', WAIT);
    expect((await bosun('sandbox', 'status', '--dir', sandbox.dir)).code).toBe(0);
  });

  it('leaves no process and no network behind after sandbox down', async () => {
    const state: SandboxState = JSON.parse(readFileSync(path.join(sandbox.dir, 'state.json'), 'utf8'));
    expect(processesOf(sandbox.dir).length).toBeGreaterThanOrEqual(6);
    const result = await bosun('sandbox', 'down', '--dir', sandbox.dir);
    expect(result.code, result.stderr).toBe(0);
    expect(processesOf(sandbox.dir)).toEqual([]);
    for (const p of state.processes) expect(isRunning(p), p.name).toBe(false);
    for (const node of state.nodes) expect(existsSync(`/run/netns/${node.network!.netns}`), node.name).toBe(false);
    expect(existsSync(`/run/bosun-sandbox/${state.network.slot}`)).toBe(false);
    expect(existsSync(`/sys/class/net/${state.network.bridge}`)).toBe(false);
    // Files stay without --purge: the cluster's state is still there to start again.
    expect(existsSync(path.join(sandbox.dir, 'nodes/control-plane/var/lib/etcd/member'))).toBe(true);
  });
});
