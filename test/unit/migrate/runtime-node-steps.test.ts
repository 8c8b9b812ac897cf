/**
 * `migrate runtime`'s node-side steps on a node's rootfs (LocalHost), in both of kubeadm's layouts for the CRI socket,
 * with the real containerd 1.6.20 binary reading what bosun wrote; then the rollback puts every file back byte for byte.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeKind } from '../../../src/commands/migrate/runtime-work.js';
import { LocalHost } from '../../../src/host/local.js';
import { CRI_SOCKET_ANNOTATION } from '../../../src/kube/labels.js';
import type { Node } from '../../../src/kube/workloads.js';
import type { NodeStepContext } from '../../../src/roll/nodes.js';
import { MIGRATION_STEPS } from '../../../src/roll/steps.js';
import { CACHED_CONTAINERDS, cachedRuntimeBinary, containerdConfigDump } from '../../support/containerd.js';
import { rootfsDigests } from '../../support/rootfs-digest.js';
import { tempDir } from '../../support/temp.js';
import { node } from '../drain/fixtures.js';
import { FakeCluster } from '../roll/fake-cluster.js';

const ROLL = 'r1-containerd';
const PROXY_PASSWORD = 's3cret-proxy-pw';

function rootfs(files: Record<string, string>): string {
  const root = tempDir('bosun-migrate-node-');
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content, { mode: 0o644 });
  }
  mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  copyFileSync(cachedRuntimeBinary(CACHED_CONTAINERDS[0].file), path.join(root, 'usr/bin/containerd'));
  writeFileSync(path.join(root, 'usr/bin/dockerd'), '#!/bin/sh\necho "Docker version 20.10.24+dfsg1, build 297e128"\n', { mode: 0o755 });
  return root;
}

const daemonJson = JSON.stringify({
  'registry-mirrors': ['https://mirror.example.com'],
  'insecure-registries': ['registry.local:5000'],
  'exec-opts': ['native.cgroupdriver=systemd'],
  proxies: { 'http-proxy': `http://user:${PROXY_PASSWORD}@proxy.example:3128` },
});

async function migrate(root: string, annotation?: string) {
  const cluster = new FakeCluster([{ ...node('w1'), metadata: { name: 'w1', annotations: annotation ? { [CRI_SOCKET_ANNOTATION]: annotation } : {} } }]);
  const host = new LocalHost(root);
  const lines: string[] = [];
  const kind = runtimeKind({ rollId: ROLL, machine: new LocalHost('/') }, (work) => work);
  const ctx = (step: string): NodeStepContext => ({
    node: { name: 'w1', via: 'local', host, kubelet: { install: 'none' } },
    target: 'containerd',
    from: 'docker',
    cluster: cluster.asCluster(),
    path: `node/w1/${step}`,
    events: (e) => void (e.type === 'log' && lines.push(e.line)),
    signal: new AbortController().signal,
  });
  const before = rootfsDigests(root, []);
  for (const step of MIGRATION_STEPS['migrate-runtime']) await kind.work[step]!(ctx(step));
  // Each step is idempotent: the whole node again changes nothing.
  const once = rootfsDigests(root, []);
  for (const step of MIGRATION_STEPS['migrate-runtime']) await kind.work[step]!(ctx(step));
  expect(rootfsDigests(root, [])).toEqual(once);
  const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
  const annotationNow = async () => (await cluster.get<Node>({ apiVersion: 'v1', kind: 'Node', name: 'w1' }))?.metadata.annotations?.[CRI_SOCKET_ANNOTATION];
  return { cluster, before, read, annotationNow, lines, rollback: () => kind.rollback!.linux!(ctx('rollback')) };
}

const BACKUP = `/etc/kubernetes/tmp/bosun-migrate-${ROLL}`;

describe('migrate runtime on a node', () => {
  it('kubeadm-flags.env layout: the flag and the Node annotation point at containerd; the rollback restores every file byte for byte', async () => {
    const root = rootfs({
      '/var/lib/kubelet/kubeadm-flags.env':
        'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9"\n',
      '/var/lib/kubelet/config.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n',
      '/etc/docker/daemon.json': daemonJson,
    });
    const run = await migrate(root, 'unix:///var/run/cri-dockerd.sock');
    expect(run.read('/var/lib/kubelet/kubeadm-flags.env')).toBe(
      'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.9 --container-runtime-endpoint=unix:///run/containerd/containerd.sock"\n',
    );
    expect(await run.annotationNow()).toBe('unix:///run/containerd/containerd.sock');
    expect(existsSync(path.join(root, 'var/lib/kubelet/instance-config.yaml'))).toBe(false);
    const { dump } = await containerdConfigDump(cachedRuntimeBinary(CACHED_CONTAINERDS[0].file), run.read('/etc/containerd/config.toml'));
    const cri = (
      dump.plugins as Record<string, { containerd: { runtimes: { runc: { options: { SystemdCgroup: boolean } } } }; registry: { config_path: string } }>
    )['io.containerd.grpc.v1.cri'];
    expect(cri.containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
    expect(cri.registry.config_path).toBe('/etc/containerd/certs.d');
    expect(run.read('/etc/containerd/certs.d/docker.io/hosts.toml')).toContain('mirror.example.com');
    expect(run.read('/etc/containerd/certs.d/registry.local:5000/hosts.toml')).toContain('skip_verify = true');
    expect(JSON.stringify(readFileSync(path.join(root, BACKUP, 'manifest.json'), 'utf8'))).not.toContain(PROXY_PASSWORD);
    expect(run.lines.join('\n')).not.toContain(PROXY_PASSWORD);

    await run.rollback();
    expect(rootfsDigests(root, [BACKUP, '/etc/kubernetes'])).toEqual(
      Object.fromEntries(Object.entries(run.before).filter(([p]) => !p.startsWith('/etc/kubernetes'))),
    );
    expect(await run.annotationNow()).toBe('unix:///var/run/cri-dockerd.sock');
  });

  it("instance-config.yaml layout (1.34+): instance-config.yaml and config.yaml point at containerd, the flag leaves kubeadm-flags.env, Docker's config.toml gets the CRI back", async () => {
    const root = rootfs({
      '/var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock --node-ip=10.0.0.5"\n',
      '/var/lib/kubelet/instance-config.yaml':
        'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncontainerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock\n',
      '/var/lib/kubelet/config.yaml':
        'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: cgroupfs\ncontainerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock\n',
      '/etc/containerd/config.toml': '#   Copyright 2018-2022 Docker Inc.\ndisabled_plugins = ["cri"]\n',
      '/etc/docker/daemon.json': '{}',
    });
    const run = await migrate(root);
    expect(run.read('/var/lib/kubelet/kubeadm-flags.env')).toBe('KUBELET_KUBEADM_ARGS="--node-ip=10.0.0.5"\n');
    expect(run.read('/var/lib/kubelet/instance-config.yaml')).toContain('containerRuntimeEndpoint: unix:///run/containerd/containerd.sock');
    expect(run.read('/var/lib/kubelet/config.yaml')).toContain('containerRuntimeEndpoint: unix:///run/containerd/containerd.sock');
    expect(run.read('/var/lib/kubelet/config.yaml')).toContain('cgroupDriver: cgroupfs');
    expect(await run.annotationNow()).toBeUndefined();
    const { dump } = await containerdConfigDump(cachedRuntimeBinary(CACHED_CONTAINERDS[0].file), run.read('/etc/containerd/config.toml'));
    expect(dump.disabled_plugins ?? []).not.toContain('cri');
    const cri = (
      dump.plugins as Record<string, { containerd: { runtimes: { runc: { options: { SystemdCgroup: boolean } } } }; registry: { config_path: string } }>
    )['io.containerd.grpc.v1.cri'];
    expect(cri.containerd.runtimes.runc.options.SystemdCgroup).toBe(false);

    await run.rollback();
    expect(rootfsDigests(root, [BACKUP, '/etc/kubernetes'])).toEqual(
      Object.fromEntries(Object.entries(run.before).filter(([p]) => !p.startsWith('/etc/kubernetes'))),
    );
  });
});
