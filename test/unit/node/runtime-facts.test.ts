/**
 * readRuntimeFacts on a node's files (a LocalHost over a temp rootfs) for kubeadm's three layouts, with the real
 * runtime binaries in the rootfs answering `--version`.
 */
import { chmodSync, copyFileSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalHost } from '../../../src/host/local.js';
import { cgroupMismatch, readRuntimeFacts } from '../../../src/node/runtime-facts.js';
import { renderContainerdConfig } from '../../../src/runtime/containerd-config.js';
import { renderCrioCgroupDropIn } from '../../../src/runtime/crio-config.js';
import { CACHED_CONTAINERDS, CACHED_DOCKERD, cachedRuntimeBinary } from '../../support/containerd.js';
import { tempDir } from '../../support/temp.js';

const FLAGS = '/var/lib/kubelet/kubeadm-flags.env';
const CONFIG = '/var/lib/kubelet/config.yaml';
const INSTANCE = '/var/lib/kubelet/instance-config.yaml';
const CONTAINERD = 'unix:///run/containerd/containerd.sock';

/** A rootfs with `files` (node path → content) and `binaries` (node path → file on this machine, linked in). */
function node(files: Record<string, string>, binaries: Record<string, string> = {}): LocalHost {
  const root = tempDir('bosun-runtime-facts-');
  for (const [nodePath, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, nodePath)), { recursive: true });
    writeFileSync(path.join(root, nodePath), content);
  }
  for (const [nodePath, source] of Object.entries(binaries)) {
    const target = path.join(root, nodePath);
    mkdirSync(path.dirname(target), { recursive: true });
    try {
      linkSync(source, target);
    } catch {
      copyFileSync(source, target);
    }
  }
  return new LocalHost(root);
}

const flagsEnv = (flags: string) => `KUBELET_KUBEADM_ARGS="${flags}"\n`;
const kubeletConfig = (extra: string) => `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n${extra}`;

describe("kubeadm's layouts", () => {
  it('flags env only, cri-dockerd: Docker with its daemon.json default driver, the mismatch with a systemd kubelet', async () => {
    const host = node(
      {
        [FLAGS]: flagsEnv('--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9'),
        [CONFIG]: kubeletConfig('cgroupDriver: systemd\n'),
        '/etc/docker/daemon.json': '{"registry-mirrors": ["https://mirror.example"]}',
      },
      { '/usr/sbin/dockerd': cachedRuntimeBinary(CACHED_DOCKERD) },
    );
    const facts = await readRuntimeFacts(host);
    expect(facts).toEqual({
      endpoint: 'unix:///var/run/cri-dockerd.sock',
      endpointFrom: FLAGS,
      criSocketLayout: 'flags',
      runtime: 'docker',
      kubeletCgroupDriver: 'systemd',
      kubeletCgroupDriverFrom: CONFIG,
      runtimeCgroupDriver: 'cgroupfs',
      runtimeCgroupDriverFrom: 'dockerd default',
      runtimeVersion: '20.10.24+dfsg1',
      problems: [],
    });
    expect(cgroupMismatch(facts)).toEqual({ kubelet: 'systemd', runtime: 'cgroupfs' });
  });

  it('flags env, dockershim era: no endpoint anywhere is the kubelet default of its version, Docker behind it', async () => {
    const kubelet = path.join(tempDir('bosun-kubelet-'), 'kubelet');
    writeFileSync(kubelet, '#!/bin/sh\necho Kubernetes v1.23.17\n');
    chmodSync(kubelet, 0o755);
    const host = node(
      {
        [FLAGS]: flagsEnv('--network-plugin=cni --pod-infra-container-image=k8s.gcr.io/pause:3.6'),
        [CONFIG]: kubeletConfig('cgroupDriver: systemd\n'),
        '/etc/docker/daemon.json': '{"exec-opts": ["native.cgroupdriver=systemd"]}',
      },
      { '/usr/bin/kubelet': kubelet, '/usr/sbin/dockerd': cachedRuntimeBinary(CACHED_DOCKERD) },
    );
    const facts = await readRuntimeFacts(host);
    expect(facts).toMatchObject({ endpoint: 'unix:///var/run/dockershim.sock', endpointFrom: 'kubelet default', runtime: 'dockershim' });
    expect(facts).toMatchObject({ runtimeCgroupDriver: 'systemd', runtimeCgroupDriverFrom: '/etc/docker/daemon.json', runtimeVersion: '20.10.24+dfsg1' });
    expect(cgroupMismatch(facts)).toBeUndefined();
  });

  it('flags env + annotation era (1.24–1.33), containerd 1.6 with its config.toml', async () => {
    const host = node(
      {
        [FLAGS]: flagsEnv(`--container-runtime-endpoint=${CONTAINERD} --pod-infra-container-image=registry.k8s.io/pause:3.9`),
        [CONFIG]: kubeletConfig('cgroupDriver: cgroupfs\n'),
        '/etc/containerd/config.toml': renderContainerdConfig(undefined, { version: 2, systemdCgroup: true }),
      },
      { '/usr/bin/containerd': cachedRuntimeBinary(CACHED_CONTAINERDS[0].file) },
    );
    const facts = await readRuntimeFacts(host);
    expect(facts).toMatchObject({ endpoint: CONTAINERD, endpointFrom: FLAGS, criSocketLayout: 'flags', runtime: 'containerd', criDisabled: false });
    expect(facts).toMatchObject({ runtimeCgroupDriver: 'systemd', runtimeCgroupDriverFrom: '/etc/containerd/config.toml', runtimeVersion: '1.6.20~ds1' });
    expect(cgroupMismatch(facts)).toEqual({ kubelet: 'cgroupfs', runtime: 'systemd' });
    expect(facts.problems).toEqual([]);
  });

  it('instance-config.yaml + config.yaml (NodeLocalCRISocket), containerd 2.x', async () => {
    const host = node(
      {
        [FLAGS]: flagsEnv('--pod-infra-container-image=registry.k8s.io/pause:3.10'),
        [INSTANCE]: `containerRuntimeEndpoint: ${CONTAINERD}\n`,
        [CONFIG]: kubeletConfig(`cgroupDriver: systemd\ncontainerRuntimeEndpoint: ${CONTAINERD}\n`),
        '/etc/containerd/config.toml': renderContainerdConfig(undefined, { version: 3, systemdCgroup: true }),
      },
      { '/usr/local/bin/containerd': cachedRuntimeBinary(CACHED_CONTAINERDS[1].file) },
    );
    const facts = await readRuntimeFacts(host);
    expect(facts).toMatchObject({ endpoint: CONTAINERD, endpointFrom: INSTANCE, criSocketLayout: 'instance-config', runtime: 'containerd' });
    expect(facts).toMatchObject({ kubeletCgroupDriver: 'systemd', runtimeCgroupDriver: 'systemd', runtimeVersion: '2.1.4', problems: [] });
    expect(cgroupMismatch(facts)).toBeUndefined();
  });
});

describe('precedence and problems', () => {
  it("the flag wins over config.yaml, and instance-config.yaml disagreeing with the kubelet's endpoint is a problem", async () => {
    const host = node({
      [FLAGS]: flagsEnv('--container-runtime-endpoint=/var/run/cri-dockerd.sock'),
      [INSTANCE]: `containerRuntimeEndpoint: ${CONTAINERD}\n`,
      [CONFIG]: kubeletConfig(`containerRuntimeEndpoint: ${CONTAINERD}\n`),
    });
    const facts = await readRuntimeFacts(host);
    expect(facts).toMatchObject({ endpoint: '/var/run/cri-dockerd.sock', endpointFrom: FLAGS, runtime: 'docker', kubeletCgroupDriverFrom: 'kubelet default' });
    expect(facts.kubeletCgroupDriver).toBe('cgroupfs');
    expect(facts.problems).toContainEqual(
      expect.stringMatching(/instance-config\.yaml says unix:\/\/\/run\/containerd\/containerd\.sock but the kubelet uses/),
    );
    expect(facts.runtimeVersion).toBeUndefined();
  });

  it("the operator's KUBELET_EXTRA_ARGS in /etc/default/kubelet win over kubeadm's flags, as on the kubelet's command line", async () => {
    const host = node({
      [FLAGS]: flagsEnv('--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock'),
      '/etc/default/kubelet': `KUBELET_EXTRA_ARGS=--container-runtime-endpoint=${CONTAINERD}\n`,
      [CONFIG]: kubeletConfig('cgroupDriver: systemd\n'),
    });
    expect(await readRuntimeFacts(host)).toMatchObject({ endpoint: CONTAINERD, endpointFrom: '/etc/default/kubelet', runtime: 'containerd' });
  });

  it('config.yaml alone says the endpoint: config.yaml is its file', async () => {
    const facts = await readRuntimeFacts(node({ [CONFIG]: kubeletConfig('containerRuntimeEndpoint: unix:///var/run/crio/crio.sock\n') }));
    expect(facts).toMatchObject({ endpoint: 'unix:///var/run/crio/crio.sock', endpointFrom: CONFIG, runtime: 'crio', runtimeCgroupDriverFrom: 'crio default' });
  });

  it("CRI-O's driver from crio.conf and its drop-ins, in order", async () => {
    const host = node({
      [CONFIG]: kubeletConfig('containerRuntimeEndpoint: unix:///var/run/crio/crio.sock\ncgroupDriver: cgroupfs\n'),
      '/etc/crio/crio.conf': '[crio.runtime]\ncgroup_manager = "systemd"\n',
      '/etc/crio/crio.conf.d/02-cgroup-manager.conf': renderCrioCgroupDropIn('cgroupfs'),
      '/etc/crio/crio.conf.d/10-other.conf': '[crio.image]\npause_image = "registry.k8s.io/pause:3.10"\n',
    });
    const facts = await readRuntimeFacts(host);
    expect(facts).toMatchObject({ runtimeCgroupDriver: 'cgroupfs', runtimeCgroupDriverFrom: '/etc/crio/crio.conf.d/02-cgroup-manager.conf' });
    expect(cgroupMismatch(facts)).toBeUndefined();
  });

  it('missing, unreadable and unparseable files are problems naming the file, not exceptions', async () => {
    const host = node({
      [FLAGS]: flagsEnv(`--container-runtime-endpoint=${CONTAINERD}`),
      [`${INSTANCE}/x`]: '',
      '/etc/containerd/config.toml': 'version = 2\n[plugins\n',
    });
    const facts = await readRuntimeFacts(host);
    expect(facts.problems).toEqual([
      `${CONFIG}: no such file`,
      expect.stringMatching(/^\/var\/lib\/kubelet\/instance-config\.yaml: found a directory/),
      expect.stringMatching(/^\/etc\/containerd\/config\.toml: not valid TOML at line 2/),
    ]);
    expect(facts).toMatchObject({ runtime: 'containerd', kubeletCgroupDriver: 'cgroupfs' });
    expect(facts.runtimeCgroupDriver).toBeUndefined();
    const badYaml = await readRuntimeFacts(node({ [CONFIG]: 'kind: KubeletConfiguration\ncgroupDriver: [systemd\n' }));
    expect(badYaml.problems[0]).toMatch(/^\/var\/lib\/kubelet\/config\.yaml: not valid YAML at line \d+/);
  });

  it("containerd's imported files (a glob, relative to config.toml) are read after it and win", async () => {
    const host = node({
      [FLAGS]: flagsEnv(`--container-runtime-endpoint=${CONTAINERD}`),
      [CONFIG]: kubeletConfig('cgroupDriver: systemd\n'),
      '/etc/containerd/config.toml': renderContainerdConfig('imports = ["conf.d/*.toml"]\n', { version: 3, systemdCgroup: true }),
      '/etc/containerd/conf.d/10-runc.toml': renderContainerdConfig(undefined, { version: 3, systemdCgroup: false }),
      '/etc/containerd/conf.d/README': 'not imported',
    });
    const facts = await readRuntimeFacts(host);
    expect(facts).toMatchObject({ runtimeCgroupDriver: 'cgroupfs', runtimeCgroupDriverFrom: '/etc/containerd/conf.d/10-runc.toml' });
    expect(facts.containerdImports).toEqual(['/etc/containerd/conf.d/10-runc.toml']);
    expect(cgroupMismatch(facts)).toEqual({ kubelet: 'systemd', runtime: 'cgroupfs' });
  });

  it("Docker's CRI disabled in containerd's file is a problem", async () => {
    const host = node({
      [FLAGS]: flagsEnv(`--container-runtime-endpoint=${CONTAINERD}`),
      [CONFIG]: kubeletConfig(''),
      '/etc/containerd/config.toml': 'disabled_plugins = ["cri"]\n',
    });
    const facts = await readRuntimeFacts(host);
    expect(facts).toMatchObject({ criDisabled: true, runtimeCgroupDriver: 'cgroupfs' });
    expect(facts.problems).toEqual(['/etc/containerd/config.toml: the CRI plugin is in disabled_plugins']);
  });
});
