/**
 * Every kind of config.toml bosun renders, read by the real containerd it is meant for: `config dump` shows the CRI
 * enabled, runc's SystemdCgroup and the registry config_path where containerd looks for them, and no key ignored.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderContainerdConfig } from '../../../src/runtime/containerd-config.js';
import { CACHED_CONTAINERDS, cachedContainerd, containerdConfigDump } from '../../support/containerd.js';

const CERTS_D = '/etc/containerd/certs.d';
const DOCKER_SHIPPED = '#   Copyright 2018-2022 Docker Inc.\n\ndisabled_plugins = ["cri"]\n\n#root = "/var/lib/containerd"\n';

/** Where the dump of each config version keeps the CRI's runtime and image settings. */
const DUMPED = {
  2: { runtime: 'io.containerd.grpc.v1.cri', images: 'io.containerd.grpc.v1.cri' },
  3: { runtime: 'io.containerd.cri.v1.runtime', images: 'io.containerd.cri.v1.images' },
} as const;

type Table = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function expectMeant(dump: Table, configVersion: 2 | 3, systemdCgroup: boolean): void {
  const plugins = dump.plugins as Table;
  expect(dump.version).toBe(configVersion);
  expect(dump.disabled_plugins).not.toContain('io.containerd.grpc.v1.cri');
  expect(dump.disabled_plugins).not.toContain('cri');
  const runc = plugins[DUMPED[configVersion].runtime].containerd.runtimes.runc;
  expect(runc.runtime_type).toBe('io.containerd.runc.v2');
  // containerd 2.x leaves a false SystemdCgroup out of its dump.
  expect(runc.options.SystemdCgroup ?? false).toBe(systemdCgroup);
  expect(plugins[DUMPED[configVersion].images].registry.config_path).toBe(CERTS_D);
}

describe.each(CACHED_CONTAINERDS)('containerd $version reads config version $configVersion as bosun meant', ({ file, configVersion }) => {
  const binary = cachedContainerd(file);
  const operatorFile = execFileSync(binary, ['config', 'default']).toString().replace('oom_score = 0', 'oom_score = -999');
  const existing: Array<[string, string | undefined]> = [
    ['no file', undefined],
    ["Docker's containerd.io file (CRI disabled, version 1)", DOCKER_SHIPPED],
    ["an operator's file (this containerd's defaults, oom_score changed)", operatorFile],
  ];

  for (const [name, text] of existing) {
    for (const systemdCgroup of [true, false]) {
      it(`${name}, SystemdCgroup ${systemdCgroup}`, async () => {
        const rendered = renderContainerdConfig(text, { version: configVersion, systemdCgroup, registryConfigPath: CERTS_D });
        const { dump, log } = await containerdConfigDump(binary, rendered);
        expectMeant(dump, configVersion, systemdCgroup);
        expect(log).not.toMatch(/level=(warning|error)/);
        if (text === operatorFile) expect(dump.oom_score).toBe(-999);
      });
    }
  }

  it('the switch back and forth: the file from one driver rendered for the other', async () => {
    const systemd = renderContainerdConfig(operatorFile, { version: configVersion, systemdCgroup: true, registryConfigPath: CERTS_D });
    const back = renderContainerdConfig(systemd, { version: configVersion, systemdCgroup: false, registryConfigPath: CERTS_D });
    expectMeant((await containerdConfigDump(binary, back)).dump, configVersion, false);
    expectMeant(
      (await containerdConfigDump(binary, renderContainerdConfig(back, { version: configVersion, systemdCgroup: true, registryConfigPath: CERTS_D }))).dump,
      configVersion,
      true,
    );
  });
});

describe('files of the other config version', () => {
  it('a version 2 file (with the deprecated systemd_cgroup) for containerd 2.x stays version 2, and containerd 2.x converts it as meant', async () => {
    const v2 = 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsystemd_cgroup = true\nsandbox_image = "registry.k8s.io/pause:3.10"\n';
    const rendered = renderContainerdConfig(v2, { version: 3, systemdCgroup: true, registryConfigPath: CERTS_D });
    expect(rendered).toMatch(/^version = 2$/m);
    const { dump, log } = await containerdConfigDump(cachedContainerd(CACHED_CONTAINERDS[1].file), rendered);
    expectMeant(dump, 3, true);
    expect(log).not.toMatch(/level=(warning|error)/);
  });

  it('the legacy systemd_cgroup is gone from what containerd 1.x reads (its CRI refuses it with runc v2)', async () => {
    const rendered = renderContainerdConfig('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsystemd_cgroup = true\n', { version: 2, systemdCgroup: true });
    const { dump } = await containerdConfigDump(cachedContainerd(CACHED_CONTAINERDS[0].file), rendered);
    expect((dump.plugins as Table)['io.containerd.grpc.v1.cri'].systemd_cgroup).toBe(false);
  });
});
