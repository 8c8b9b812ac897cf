/** The kubelet stand-in on a Windows machine: kubeadm's files under the C: drive, the version from kubelet.exe's build info, the Node's Windows facts. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubeletLayout, LINUX_LAYOUT, WINDOWS_LAYOUT } from '../../../../src/sandbox/kubelet-layout.js';
import { readKubeletFiles } from '../../../../src/sandbox/kubelet-node.js';
import { registeredNode } from '../../../../src/sandbox/mirror.js';
import { ensureFacts, windowsNodeFacts } from '../../../../src/sandbox/windows/facts.js';
import { tempDir } from '../../../support/temp.js';
import { windowsProgram } from '../../../support/windows-program.js';

const version = (file: string) => WINDOWS_LAYOUT.versionOutput(file.replace(/:[^:]*:[^:]*$/, '')).then((o) => /v\d+\.\d+\.\d+/.exec(o ?? '')?.[0]);

describe('a Windows machine’s kubelet files', () => {
  const rootfs = tempDir('bosun-windows-kubelet-');
  const drive = (...p: string[]) => path.join(rootfs, 'C:', ...p);
  beforeAll(async () => {
    await ensureFacts(rootfs, 'win-1');
    mkdirSync(drive('k'), { recursive: true });
    await windowsProgram(drive('k'), 'kubelet.exe', 'kubernetes', 'v1.36.3');
  }, 120_000);

  it('is the Windows layout, found from the disk', async () => {
    expect(await kubeletLayout(rootfs)).toBe(WINDOWS_LAYOUT);
    expect(await kubeletLayout(tempDir())).toBe(LINUX_LAYOUT);
  });

  it('starts from C:\\k\\kubelet.exe and the kubelet files under C:, naming them in Windows form', async () => {
    expect(await readKubeletFiles(rootfs, WINDOWS_LAYOUT, version, true)).toEqual({ problem: 'C:\\var\\lib\\kubelet\\config.yaml: no such file' });
    mkdirSync(drive('var/lib/kubelet'), { recursive: true });
    writeFileSync(drive('var/lib/kubelet/config.yaml'), 'kind: KubeletConfiguration\ncgroupsPerQOS: false\n');
    writeFileSync(drive('var/lib/kubelet/kubeadm-flags.env'), 'KUBELET_KUBEADM_ARGS=""\n');
    expect(await readKubeletFiles(rootfs, WINDOWS_LAYOUT, version, true)).toMatchObject({ version: 'v1.36.3' });
    writeFileSync(drive('var/lib/kubelet/kubeadm-flags.env'), '\uFEFFKUBELET_KUBEADM_ARGS=""\n');
    expect(await readKubeletFiles(rootfs, WINDOWS_LAYOUT, version, true)).toEqual({
      problem: 'C:\\var\\lib\\kubelet\\kubeadm-flags.env: no KUBELET_KUBEADM_ARGS',
    });
  });

  it('registers a Windows Node: its OS, OS image and build label from the machine’s facts', async () => {
    const node = registeredNode({ name: 'win-1', address: '10.0.0.1', kubeletVersion: 'v1.36.3', windows: await windowsNodeFacts(rootfs) }) as unknown as {
      metadata: { labels: Record<string, string> };
      status: { nodeInfo: Record<string, string> };
    };
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/os': 'windows', 'node.kubernetes.io/windows-build': '10.0.20348' });
    expect(node.status.nodeInfo).toMatchObject({ operatingSystem: 'windows', osImage: 'Windows Server 2022 Datacenter' });
  });
});
