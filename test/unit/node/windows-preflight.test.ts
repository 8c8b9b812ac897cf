import { describe, expect, it } from 'vitest';
import { windowsNodeChecks } from '../../../src/node/windows-preflight-checks.js';
import { unsupportedWindowsBuild, WINDOWS_SERVER_RELEASES } from '../../../src/versions/windows-builds.js';
import { FakeWindowsHost, type FakeWindowsOptions } from '../../support/fake-windows-host.js';

async function findings(options: FakeWindowsOptions, version = 'v1.36.3') {
  const host = new FakeWindowsHost(options);
  const checks = windowsNodeChecks(host, await host.windowsMachine(), version);
  return Object.fromEntries(await Promise.all(checks.map(async (c) => [c.name, (await c.run()).errors ?? []] as const)));
}

describe('Windows node preflight', () => {
  it('passes on a Windows Server 2022 machine with containerd answering, run as Administrator', async () => {
    expect(await findings({})).toEqual({ IsPrivilegedUser: [], WindowsBuild: [], Mem: [], ContainerdPipe: [] });
  });

  it('names each missing piece', async () => {
    const found = await findings({ build: 22631, memoryMiB: 1024, admin: false, containerd: { containerdRunning: false } });
    expect(found.WindowsBuild[0]).toMatch(
      /Windows build 22631 is not a Windows Server release Kubernetes supports on nodes \(Windows Server 2019 \(build 17763\)/,
    );
    expect(found.Mem[0]).toMatch(/1024 MiB of memory; a node needs at least 1700 MiB/);
    expect(found.IsPrivilegedUser[0]).toMatch(/not an Administrator/);
    expect(found.ContainerdPipe[0]).toMatch(/the containerd service is not running/);
  });
});

describe('the Windows Server builds Kubernetes supports', () => {
  it('are Windows Server 2019, 2022 and 2025 (LTSC)', () => {
    expect(WINDOWS_SERVER_RELEASES.map((r) => [r.name, r.build])).toEqual([
      ['Windows Server 2019', 17763],
      ['Windows Server 2022', 20348],
      ['Windows Server 2025', 26100],
    ]);
    for (const { build } of WINDOWS_SERVER_RELEASES) expect(unsupportedWindowsBuild(build, 'v1.37.1')).toBeUndefined();
  });

  it('a release older than the build is refused, naming both', () => {
    expect(unsupportedWindowsBuild(26100, 'v1.31.4')).toBe('Windows Server 2025 (build 26100) needs Kubernetes v1.32.0 or newer; the cluster runs v1.31.4');
  });
});
