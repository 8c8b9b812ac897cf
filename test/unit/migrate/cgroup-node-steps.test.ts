/**
 * `migrate cgroup-driver`'s steps: the kubelet-config ConfigMap first (kubeadm's signature kept valid), then a
 * containerd node's config.toml and config.yaml on a rootfs (LocalHost), read back by the real containerd; the
 * node's Ready confirmed by its files; the rollback puts both files back byte for byte.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasValidSignature, signConfigMap } from '../../../src/addons/component-config.js';
import { cgroupKind, KUBELET_CONFIG_MAP } from '../../../src/commands/migrate/cgroup-work.js';
import { LocalHost } from '../../../src/host/local.js';
import { configMap, type ConfigMap } from '../../../src/kube/objects.js';
import type { NodeStepContext } from '../../../src/roll/nodes.js';
import { MIGRATION_STEPS } from '../../../src/roll/steps.js';
import { CACHED_CONTAINERDS, cachedRuntimeBinary, containerdConfigDump } from '../../support/containerd.js';
import { rootfsDigests } from '../../support/rootfs-digest.js';
import { tempDir } from '../../support/temp.js';
import { FakeCluster } from '../roll/fake-cluster.js';

const ROLL = 'r2-systemd';
const CONFIG_YAML =
  'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: cgroupfs\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n';
const CONFIG_TOML = 'version = 3\n\n[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]\nSystemdCgroup = false\n';

function containerdNode(): string {
  const root = tempDir('bosun-cgroup-node-');
  const files: Record<string, string> = {
    '/var/lib/kubelet/config.yaml': CONFIG_YAML,
    '/var/lib/kubelet/instance-config.yaml': 'containerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n',
    '/etc/containerd/config.toml': CONFIG_TOML,
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content, { mode: 0o644 });
  }
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  copyFileSync(cachedRuntimeBinary(CACHED_CONTAINERDS[1].file), path.join(root, 'usr/bin/containerd'));
  return root;
}

describe('migrate cgroup-driver', () => {
  it('sets cgroupDriver in the kubelet-config ConfigMap first, its kubeadm signature renewed', async () => {
    const cluster = new FakeCluster([signConfigMap(configMap('kube-system', 'kubelet-config', { kubelet: CONFIG_YAML }))]);
    const kind = cgroupKind(ROLL, 'systemd', (work) => work);
    await kind.before!['kubelet-config']({
      cluster: cluster.asCluster(),
      target: 'systemd',
      path: 'before/kubelet-config',
      events: () => undefined,
      signal: new AbortController().signal,
    });
    const cm = (await cluster.get<ConfigMap>(KUBELET_CONFIG_MAP))!;
    expect(cm.data.kubelet).toContain('cgroupDriver: systemd');
    expect(hasValidSignature(cm)).toBe(true);
  });

  it("switches a containerd node's runtime and kubelet to systemd, confirms it from the files, and rolls both back byte for byte", async () => {
    const root = containerdNode();
    const host = new LocalHost(root);
    const kind = cgroupKind(ROLL, 'systemd', (work) => work);
    const ctx = (step: string): NodeStepContext => ({
      node: { name: 'w1', via: 'local', host, kubelet: { install: 'none' } },
      target: 'systemd',
      from: 'cgroupfs',
      cluster: new FakeCluster().asCluster(),
      path: `node/w1/${step}`,
      events: () => undefined,
      signal: new AbortController().signal,
    });
    const before = rootfsDigests(root, ['/etc/kubernetes']);
    for (const step of MIGRATION_STEPS['migrate-cgroup-driver']) await kind.work[step]!(ctx(step));
    expect(readFileSync(path.join(root, 'var/lib/kubelet/config.yaml'), 'utf8')).toContain('cgroupDriver: systemd');
    const { dump } = await containerdConfigDump(
      cachedRuntimeBinary(CACHED_CONTAINERDS[1].file),
      readFileSync(path.join(root, 'etc/containerd/config.toml'), 'utf8'),
    );
    const runtime = (dump.plugins as Record<string, { containerd: { runtimes: { runc: { options: { SystemdCgroup: boolean } } } } }>)[
      'io.containerd.cri.v1.runtime'
    ];
    expect(runtime.containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
    await kind.confirm!(ctx('wait-ready'));

    await kind.rollback!.linux!(ctx('rollback'));
    expect(rootfsDigests(root, ['/etc/kubernetes'])).toEqual(before);
    await expect(kind.confirm!(ctx('wait-ready'))).rejects.toThrow(/its files say kubelet cgroupfs, runtime cgroupfs/);
  });
});
