import { describe, expect, it } from 'vitest';
import { preflightHosts } from '../../../src/commands/apply/preflight.js';
import type { HostPlan } from '../../../src/commands/apply/plan.js';
import { joinWithDefaults } from '../../../src/config/defaults.js';
import type { InventoryHost } from '../../../src/inventory/inventory.js';
import { FakeWindowsHost, type FakeWindowsOptions } from '../../support/fake-windows-host.js';
import { host } from './hosts.js';

async function windowsFindings(options: FakeWindowsOptions, kubelet: InventoryHost['kubelet']) {
  const node = new FakeWindowsHost(options);
  const win: InventoryHost = { ...host('win-1'), os: 'windows', kubelet };
  const plan: HostPlan = { host: win, action: 'join-worker', installKubelet: true, why: 'not a node yet' };
  const surveyed = new Map([['win-1', { host: win, node, machine: await node.windowsMachine(), survey: { kubeletConf: false, adminConf: false } }]]);
  const configs = new Map([['win-1', { join: { join: joinWithDefaults({ nodeRegistration: { name: 'win-1' } }), proxyEnv: [] } }]]);
  const [found] = await preflightHosts([plan], surveyed, configs, 1, 'v1.36.3');
  return { found, node };
}

const release = { install: 'binary' as const, url: 'https://dl.k8s.io/release/{version}/bin/{os}/{arch}/{binary}', fetch: 'bosun' as const };

describe("bosun apply's preflight of a Windows worker", () => {
  it('checks the machine before it is prepared (a fresh host is not refused for lacking kubelet.exe)', async () => {
    const { found, node } = await windowsFindings({}, release);
    expect(found.errors).toEqual([]);
    expect(node.changes).toEqual([]);
  });

  it('names what the host lacks: an unsupported build, containerd, a kubelet it cannot get', async () => {
    const { found } = await windowsFindings({ build: 14393, containerd: { containerdService: false } }, { install: 'package' });
    expect(found.errors).toEqual([
      '[KubeletInstall] kubelet.install: package: Windows has no Kubernetes packages; give install: binary (a release URL or a file)',
      expect.stringMatching(/^\[WindowsBuild\] Windows build 14393 is not a Windows Server release/),
      expect.stringMatching(/^\[ContainerdPipe\] containerd is not installed/),
    ]);
  });
});
