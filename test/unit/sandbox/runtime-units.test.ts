import { existsSync, mkdtempSync, promises as fs, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_CRI_ENDPOINT, kubeletEndpoint } from '../../../src/sandbox/kubelet-runtime.js';
import { equipRuntime, parseRuntimeFlag } from '../../../src/sandbox/node-runtime.js';
import { containerdFacts, RuntimeUnits } from '../../../src/sandbox/node-units.js';
import { runtimeVersionOf } from '../../../src/runtime/version.js';
import { runtimeBinary } from '../../../src/sandbox/runtime-binaries.js';
import { systemctl, type NodeServices } from '../../../src/sandbox/systemctl.js';

const temp = () => mkdtempSync(path.join(os.tmpdir(), 'bosun-runtime-'));
const write = async (root: string, file: string, text: string) => {
  await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await fs.writeFile(path.join(root, file), text);
};

describe("a sandbox node's runtime, from its files", () => {
  it('reads the version the kubelet shows from what each runtime binary prints', () => {
    expect(runtimeVersionOf('containerd github.com/containerd/containerd/v2 2.1.4 \n')).toBe('2.1.4');
    expect(runtimeVersionOf('containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n')).toBe('1.6.20~ds1');
    expect(runtimeVersionOf('Docker version 20.10.24+dfsg1, build 5d6db84\n')).toBe('20.10.24+dfsg1');
    expect(runtimeVersionOf('Kubernetes v1.37.1')).toBeUndefined();
  });

  it("takes the kubelet's CRI endpoint as it merges its files: flags over config.yaml over instance-config.yaml, else the default", async () => {
    const root = temp();
    onTestFinished(() => fs.rm(root, { recursive: true, force: true }));
    expect(await kubeletEndpoint(root)).toEqual({ endpoint: DEFAULT_CRI_ENDPOINT });
    await write(root, '/var/lib/kubelet/instance-config.yaml', 'containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock\n');
    expect(await kubeletEndpoint(root)).toEqual({ endpoint: 'unix:///var/run/cri-dockerd.sock', file: '/var/lib/kubelet/instance-config.yaml' });
    await write(root, '/var/lib/kubelet/config.yaml', 'kind: KubeletConfiguration\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n');
    expect((await kubeletEndpoint(root)).file).toBe('/var/lib/kubelet/config.yaml');
    await write(root, '/var/lib/kubelet/kubeadm-flags.env', 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/dockershim.sock --v=2"\n');
    expect(await kubeletEndpoint(root)).toEqual({ endpoint: 'unix:///var/run/dockershim.sock', file: '/var/lib/kubelet/kubeadm-flags.env' });
  });

  it("reads containerd's socket and whether its CRI plugin is off from its dumped configuration", () => {
    expect(containerdFacts("disabled_plugins = ['io.containerd.grpc.v1.cri']\n[grpc]\n  address = '/run/containerd/containerd.sock'\n")).toEqual({
      address: '/run/containerd/containerd.sock',
      criDisabled: true,
    });
    expect(containerdFacts('disabled_plugins = []\n[grpc]\n  address = "/run/c.sock"\n')).toEqual({ address: '/run/c.sock', criDisabled: false });
  });

  it('parses --runtime for every node or named ones, refusing an unknown runtime or node', () => {
    const nodes = ['control-plane', 'worker-1', 'worker-2'];
    expect([...parseRuntimeFlag(['docker=worker-1,worker-2'], nodes)]).toEqual([
      ['worker-1', 'docker'],
      ['worker-2', 'docker'],
    ]);
    expect(parseRuntimeFlag(['docker'], nodes).size).toBe(3);
    expect(() => parseRuntimeFlag(['crio'], nodes)).toThrow(/--runtime crio: expected containerd or docker/);
    expect(() => parseRuntimeFlag(['docker=worker-9'], nodes)).toThrow(/no node "worker-9"/);
  });
});

const kubelet: NodeServices = {
  start: async () => undefined,
  stop: async () => undefined,
  restart: async () => undefined,
  state: () => ({ state: 'active', detail: 'running v1.37.1' }),
};

// The real runtime binaries (bosun sandbox binaries) validate what the units start from, chrooted into the node (root).
describe.skipIf(process.getuid?.() !== 0 || !runtimeBinary('containerd', '2.1.4') || !runtimeBinary('dockerd', '20.10.24'))(
  "runtime units played from a node's disk",
  () => {
    const nodes = temp();
    const changed: string[] = [];
    const units = new RuntimeUnits(
      (node) => path.join(nodes, node),
      () => undefined,
      (node) => void changed.push(node),
    );
    const ctl = (node: string, ...args: string[]) => systemctl(node, args, kubelet, units);
    afterAll(() => fs.rm(nodes, { recursive: true, force: true }));

    it('boots the enabled units; the kubelet finds containerd serving its endpoint, or cri-dockerd on a Docker node', async () => {
      await equipRuntime(path.join(nodes, 'c'), 'containerd');
      await equipRuntime(path.join(nodes, 'd'), 'docker');
      await units.boot('c', ['containerd.service']);
      await units.boot('d', ['containerd.service', 'docker.socket', 'docker.service', 'cri-docker.socket', 'cri-docker.service']);
      expect(units.serving('c', DEFAULT_CRI_ENDPOINT)).toEqual({ runtime: 'containerd', binary: '/usr/bin/containerd' });
      expect(units.serving('d', 'unix:///var/run/cri-dockerd.sock')).toEqual({ runtime: 'docker', binary: '/usr/sbin/dockerd' });
      // Docker's containerd runs with its CRI plugin off: a kubelet pointed at it cannot use it.
      expect(units.serving('d', DEFAULT_CRI_ENDPOINT)).toMatchObject({ problem: expect.stringContaining('unknown service runtime.v1.RuntimeService') });
      expect(units.serving('c', 'unix:///var/run/crio/crio.sock')).toMatchObject({ problem: expect.stringContaining('no such file or directory') });
    });

    it('answers systemctl for those units: state, several at once, unknown ones, stop and start', async () => {
      expect(await ctl('d', 'is-active', 'docker', 'cri-docker.socket', 'crio')).toEqual({ code: 3, stream: 'out', text: 'active\nactive\ninactive\n' });
      expect(await ctl('c', 'start', 'docker')).toMatchObject({ code: 5, text: 'Failed to start docker.service: Unit docker.service not found.\n' });
      changed.length = 0;
      expect(await ctl('d', 'stop', 'docker')).toMatchObject({ code: 0 });
      expect(changed).toEqual(['d']);
      expect(units.serving('d', 'unix:///var/run/cri-dockerd.sock')).toMatchObject({ problem: expect.stringContaining('Is the docker daemon running?') });
      expect(await ctl('d', 'start', 'docker')).toMatchObject({ code: 0 });
    });

    it('keeps enabled state on the disk as systemd does, links in the target .wants directory', async () => {
      const wants = path.join(nodes, 'c/etc/systemd/system/multi-user.target.wants/containerd.service');
      expect(readlinkSync(wants)).toBe('../../../../lib/systemd/system/containerd.service');
      expect(existsSync(wants)).toBe(true);
      expect(await ctl('c', 'disable', 'containerd')).toMatchObject({ code: 0 });
      expect(existsSync(wants)).toBe(false);
      expect(await ctl('c', 'is-enabled', 'containerd')).toEqual({ code: 1, stream: 'out', text: 'disabled\n' });
      expect(await ctl('c', 'enable', 'containerd')).toMatchObject({ code: 0 });
      expect(await ctl('c', 'is-enabled', 'containerd')).toEqual({ code: 0, stream: 'out', text: 'enabled\n' });
    });

    it("reads the node's own files that config.toml imports, as containerd does", async () => {
      const root = path.join(nodes, 'c');
      await write(root, '/etc/containerd/config.toml', "version = 3\nimports = ['/etc/containerd/conf.d/*.toml']\n");
      await write(root, '/etc/containerd/conf.d/no-cri.toml', "version = 3\ndisabled_plugins = ['io.containerd.grpc.v1.cri']\n");
      expect(await ctl('c', 'restart', 'containerd')).toMatchObject({ code: 0 });
      expect(units.serving('c', DEFAULT_CRI_ENDPOINT)).toMatchObject({ problem: expect.stringContaining('unknown service') });
    });

    it("fails a containerd start on a config it cannot read, with containerd's message, and the unit is failed", async () => {
      await write(path.join(nodes, 'c'), '/etc/containerd/config.toml', 'version = 3\n[plugins\n');
      const result = await ctl('c', 'restart', 'containerd');
      expect(result).toMatchObject({ code: 1, stream: 'err' });
      expect(result.text).toMatch(/^Job for containerd.service failed because the control process exited with error code\./);
      expect(result.text).toMatch(/containerd: failed to unmarshal TOML/);
      expect(result.text).not.toContain(nodes);
      expect(await ctl('c', 'is-active', 'containerd')).toEqual({ code: 3, stream: 'out', text: 'failed\n' });
      expect(units.serving('c', DEFAULT_CRI_ENDPOINT)).toHaveProperty('problem');
    });

    it("fails docker's start on a daemon.json that is not JSON", async () => {
      await write(path.join(nodes, 'd'), '/etc/docker/daemon.json', '{"exec-opts": [');
      const result = await ctl('d', 'restart', 'docker');
      expect(result.code).toBe(1);
      expect(result.text).toContain('unable to configure the Docker daemon with file /etc/docker/daemon.json');
    });
  },
);
