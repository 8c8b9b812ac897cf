import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalHost } from '../../../src/host/local.js';
import { localMachine } from '../../../src/host/machine.js';
import { RecordingHost } from '../../../src/host/recording.js';
import { controlPlanePhase } from '../../../src/commands/init/phases/control-plane.js';
import { etcdPhase } from '../../../src/commands/init/phases/etcd.js';
import { runKubeletStart } from '../../../src/commands/init/phases/kubelet-start.js';
import { parseYaml } from '../../../src/util/yaml.js';
import { collectingIO, runPhase, testConfig, testContext } from './support.js';

const roots: string[] = [];
function tempRoot(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bosun-phases-'));
  roots.push(root);
  return root;
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const machine = { ...localMachine, hostname: () => 'cp-1' };
const MANIFESTS = ['etcd.yaml', 'kube-apiserver.yaml', 'kube-controller-manager.yaml', 'kube-scheduler.yaml'];

async function renderAll(root: string, cfg = testConfig()) {
  const ctx = testContext(cfg, new LocalHost(root));
  const io = collectingIO();
  await runPhase(etcdPhase, ctx, io);
  await runPhase(controlPlanePhase, ctx, io);
  await runKubeletStart(ctx, io, machine);
  return io.lines;
}

describe('etcd, control-plane and kubelet-start phases', () => {
  it('write the manifests (0600 in 0700), the etcd data dir (0700) and the kubelet files, logging as kubeadm', async () => {
    const root = tempRoot();
    const lines = await renderAll(root);
    const manifests = path.join(root, 'etc/kubernetes/manifests');
    expect(readdirSync(manifests).sort()).toEqual(MANIFESTS);
    for (const f of MANIFESTS) expect(statSync(path.join(manifests, f)).mode & 0o777).toBe(0o600);
    expect(statSync(manifests).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(root, 'var/lib/etcd')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(root, 'var/lib/kubelet')).mode & 0o777).toBe(0o700);
    expect(lines).toEqual([
      '[etcd] Creating static Pod manifest for local etcd in "/etc/kubernetes/manifests"',
      '[control-plane] Using manifest folder "/etc/kubernetes/manifests"',
      '[control-plane] Creating static Pod manifest for "kube-apiserver"',
      '[control-plane] Creating static Pod manifest for "kube-controller-manager"',
      '[control-plane] Creating static Pod manifest for "kube-scheduler"',
      '[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"',
      '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/instance-config.yaml"',
      '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"',
      '[kubelet-start] Starting the kubelet',
    ]);
  });

  it('are idempotent: a second run rewrites nothing; a wrong mode is repaired', async () => {
    const root = tempRoot();
    await renderAll(root);
    const file = (f: string) => path.join(root, 'etc/kubernetes/manifests', f);
    const before = MANIFESTS.map((f) => statSync(file(f)).ino);
    const lines = await renderAll(root);
    // An atomic write replaces the inode; the same inode means the file was left alone.
    expect(MANIFESTS.map((f) => statSync(file(f)).ino)).toEqual(before);
    expect(lines.filter((l) => l.includes('up to date'))).toHaveLength(7);
    chmodSync(file('kube-apiserver.yaml'), 0o644);
    await renderAll(root);
    expect(statSync(file('kube-apiserver.yaml')).mode & 0o777).toBe(0o600);
  });

  it('mount the optional CA bundles found in the rootfs', async () => {
    const root = tempRoot();
    mkdirSync(path.join(root, 'etc/pki/ca-trust'), { recursive: true });
    await renderAll(root);
    const text = readFileSync(path.join(root, 'etc/kubernetes/manifests/kube-controller-manager.yaml'), 'utf8');
    const pod = parseYaml(text) as { spec: { volumes: { name: string }[] } };
    expect(pod.spec.volumes.map((v) => v.name)).toEqual(['ca-certs', 'etc-pki-ca-trust', 'k8s-certs', 'kubeconfig']);
  });

  it('write no etcd manifest or data dir with an external etcd', async () => {
    const root = tempRoot();
    const cfg = testConfig();
    cfg.cluster.etcd = { external: { endpoints: ['https://10.0.0.1:2379'] } };
    const lines = await renderAll(root, cfg);
    expect(readdirSync(path.join(root, 'etc/kubernetes/manifests')).sort()).toEqual(MANIFESTS.slice(1));
    expect(readdirSync(path.join(root, 'var/lib'))).toEqual(['kubelet']);
    expect(lines[0]).toBe('[etcd] External etcd mode: no local etcd static Pod manifest is needed');
  });

  it('only record under --dry-run, including the kubelet restart', async () => {
    const root = tempRoot();
    const host = new RecordingHost(new LocalHost(root));
    const ctx = testContext(testConfig(), host);
    await runPhase(controlPlanePhase, ctx, collectingIO());
    await runKubeletStart(ctx, collectingIO(), machine);
    expect(readdirSync(root)).toEqual([]);
    expect(host.actions.map((a) => `${a.kind} ${a.target}`)).toEqual([
      'mkdir /etc/kubernetes/manifests',
      'write /etc/kubernetes/manifests/kube-apiserver.yaml',
      'write /etc/kubernetes/manifests/kube-controller-manager.yaml',
      'write /etc/kubernetes/manifests/kube-scheduler.yaml',
      'mkdir /var/lib/kubelet',
      'write /var/lib/kubelet/kubeadm-flags.env',
      'write /var/lib/kubelet/instance-config.yaml',
      'write /var/lib/kubelet/config.yaml',
      'service restart kubelet',
    ]);
  });
});
