import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { containerdCgroupDriver, containerdConfigVersion, containerdCriDisabled, renderContainerdConfig } from '../../../src/runtime/containerd-config.js';

const CRI_V2 = 'io.containerd.grpc.v1.cri';
const RUNTIME_V3 = 'io.containerd.cri.v1.runtime';
const IMAGES_V3 = 'io.containerd.cri.v1.images';
const DOCKER_SHIPPED = '#   Copyright 2018-2022 Docker Inc.\n\ndisabled_plugins = ["cri"]\n\n#root = "/var/lib/containerd"\n';

type Table = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const tables = (text: string) => parse(text) as Table;

describe('containerdConfigVersion', () => {
  it('is 2 for containerd 1.x and 3 for 2.x, as each writes its own default', () => {
    expect(containerdConfigVersion('1.6.20~ds1')).toBe(2);
    expect(containerdConfigVersion('v1.7.27')).toBe(2);
    expect(containerdConfigVersion('2.1.4+unknown')).toBe(3);
    expect(() => containerdConfigVersion('3.0.0')).toThrow(/containerd 1.x or 2.x/);
  });
});

describe('renderContainerdConfig', () => {
  it('a fresh version 2 file: the CRI runc handler on runc v2 with SystemdCgroup, config_path', () => {
    const config = tables(renderContainerdConfig(undefined, { version: 2, systemdCgroup: true, registryConfigPath: '/etc/containerd/certs.d' }));
    expect(config.version).toBe(2);
    expect(config.plugins[CRI_V2].containerd.runtimes.runc).toEqual({ runtime_type: 'io.containerd.runc.v2', options: { SystemdCgroup: true } });
    expect(config.plugins[CRI_V2].registry).toEqual({ config_path: '/etc/containerd/certs.d' });
  });

  it('a fresh version 3 file: the runtime and image settings in their 2.x plugins', () => {
    const config = tables(renderContainerdConfig(undefined, { version: 3, systemdCgroup: false, registryConfigPath: '/etc/containerd/certs.d' }));
    expect(config.version).toBe(3);
    expect(config.plugins[RUNTIME_V3].containerd.runtimes.runc.options).toEqual({ SystemdCgroup: false });
    expect(config.plugins[IMAGES_V3].registry.config_path).toBe('/etc/containerd/certs.d');
    expect(config.plugins[CRI_V2]).toBeUndefined();
  });

  it.each([2, 3] as const)("Docker's shipped file (version 1, CRI disabled) becomes version %i with the CRI enabled", (version) => {
    const text = renderContainerdConfig(DOCKER_SHIPPED, { version, systemdCgroup: true });
    expect(tables(text)).toMatchObject({ version, disabled_plugins: [] });
    expect(containerdCriDisabled(DOCKER_SHIPPED)).toBe(true);
    expect(containerdCriDisabled(text)).toBe(false);
  });

  it("keeps an operator's settings: other plugins, other handlers, the root; every runc v2 handler follows the driver", () => {
    const operator = [
      'version = 2',
      'root = "/data/containerd"',
      'disabled_plugins = ["io.containerd.snapshotter.v1.zfs", "io.containerd.grpc.v1.cri"]',
      '[plugins."io.containerd.grpc.v1.cri"]',
      'sandbox_image = "registry.example/pause:3.9"',
      '[plugins."io.containerd.grpc.v1.cri".containerd]',
      'default_runtime_name = "crun"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun]',
      'runtime_type = "io.containerd.runc.v2"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.crun.options]',
      'BinaryName = "/usr/bin/crun"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]',
      'runtime_type = "io.containerd.kata.v2"',
      '[plugins."io.containerd.gc.v1.scheduler"]',
      'pause_threshold = 0.02',
    ].join('\n');
    const config = tables(renderContainerdConfig(operator, { version: 2, systemdCgroup: true }));
    expect(config.root).toBe('/data/containerd');
    expect(config.disabled_plugins).toEqual(['io.containerd.snapshotter.v1.zfs']);
    const cri = config.plugins[CRI_V2];
    expect(cri.sandbox_image).toBe('registry.example/pause:3.9');
    expect(cri.containerd.runtimes.crun.options).toEqual({ BinaryName: '/usr/bin/crun', SystemdCgroup: true });
    expect(cri.containerd.runtimes.runc.options).toEqual({ SystemdCgroup: true });
    expect(cri.containerd.runtimes.kata).toEqual({ runtime_type: 'io.containerd.kata.v2' });
    expect(config.plugins['io.containerd.gc.v1.scheduler'].pause_threshold).toBe(0.02);
    expect(containerdCgroupDriver(renderContainerdConfig(operator, { version: 2, systemdCgroup: true }))).toBe('systemd');
  });

  it.each([2, 3] as const)('switches the driver both ways and is idempotent (version %i)', (version) => {
    const systemd = renderContainerdConfig(DOCKER_SHIPPED, { version, systemdCgroup: true, registryConfigPath: '/etc/containerd/certs.d' });
    expect(containerdCgroupDriver(systemd)).toBe('systemd');
    const cgroupfs = renderContainerdConfig(systemd, { version, systemdCgroup: false, registryConfigPath: '/etc/containerd/certs.d' });
    expect(containerdCgroupDriver(cgroupfs)).toBe('cgroupfs');
    expect(renderContainerdConfig(cgroupfs, { version, systemdCgroup: true, registryConfigPath: '/etc/containerd/certs.d' })).toBe(systemd);
    expect(renderContainerdConfig(systemd, { version, systemdCgroup: true, registryConfigPath: '/etc/containerd/certs.d' })).toBe(systemd);
  });

  it('adds certs.d after a registry config_path the operator set, once', () => {
    const operator = 'version = 3\n[plugins."io.containerd.cri.v1.images".registry]\nconfig_path = "/etc/docker/certs.d"\n';
    const once = renderContainerdConfig(operator, { version: 3, systemdCgroup: true, registryConfigPath: '/etc/containerd/certs.d' });
    expect(tables(once).plugins[IMAGES_V3].registry.config_path).toBe('/etc/docker/certs.d:/etc/containerd/certs.d');
    expect(renderContainerdConfig(once, { version: 3, systemdCgroup: true, registryConfigPath: '/etc/containerd/certs.d' })).toBe(once);
  });

  it('drops the deprecated systemd_cgroup of the CRI plugin', () => {
    const legacy = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsystemd_cgroup = true\n';
    expect(containerdCgroupDriver(legacy)).toBe('systemd');
    const config = tables(renderContainerdConfig(legacy, { version: 2, systemdCgroup: false }));
    expect(config.plugins[CRI_V2].systemd_cgroup).toBeUndefined();
  });

  it('keeps a version 2 file at version 2 for containerd 2.x (which converts it when loading)', () => {
    const text = renderContainerdConfig('version = 2\n', { version: 3, systemdCgroup: true });
    expect(tables(text).version).toBe(2);
    expect(tables(text).plugins[CRI_V2].containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
  });

  it.each([
    ['a version 3 file for containerd 1.x', 'version = 3\n', 2, /version 3 file for containerd 1.x/],
    ['a version 1 file with plugin settings', '[plugins.cri]\nsandbox_image = "p"\n', 3, /version 1 file .* plugin settings/],
    ['a version 1 file disabling a plugin by its short name', 'disabled_plugins = ["zfs"]\n', 2, /version 1 file/],
    [
      'registry mirrors beside config_path',
      'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\nendpoint = ["https://m"]\n',
      2,
      /registry\.mirrors is set/,
    ],
    ['a key in the way of a table', 'version = 2\nplugins = 1\n', 2, /plugins is not a table/],
    ['an unknown version', 'version = 4\n', 3, /version = 4/],
  ] as const)('refuses %s, naming the file', (_name, text, version, message) => {
    const render = () => renderContainerdConfig(text, { version, systemdCgroup: true, registryConfigPath: '/etc/containerd/certs.d' });
    expect(render).toThrow(UserError);
    expect(render).toThrow(message);
    expect(render).toThrow(/^\/etc\/containerd\/config\.toml: /);
  });

  it('an unparseable file is a UserError naming the file and line, without quoting it', () => {
    const render = () => renderContainerdConfig('version = 2\n[plugins\npassword = "s3cret"\n', { version: 2, systemdCgroup: true });
    expect(render).toThrow(/^\/etc\/containerd\/config\.toml: not valid TOML at line 2, column \d+/);
    expect(render).not.toThrow(/s3cret/);
  });
});

describe('containerdCgroupDriver', () => {
  it("reads the default runtime handler's SystemdCgroup in each version; containerd's default is cgroupfs", () => {
    expect(containerdCgroupDriver('')).toBe('cgroupfs');
    expect(containerdCgroupDriver('version = 3\n[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]\nSystemdCgroup = true\n')).toBe(
      'systemd',
    );
    expect(containerdCgroupDriver('[plugins.cri.containerd.runtimes.runc.options]\nSystemdCgroup = true\n')).toBe('systemd');
    const otherDefault =
      'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\ndefault_runtime_name = "crun"\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\nSystemdCgroup = true\n';
    expect(containerdCgroupDriver(otherDefault)).toBe('cgroupfs');
  });
});
