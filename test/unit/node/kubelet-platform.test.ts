import { describe, expect, it } from 'vitest';
import { defaultInitConfig } from '../../../src/config/defaults.js';
import { kubeletPlatform, linuxKubelet, windowsKubelet } from '../../../src/node/kubelet-platform.js';
import { LocalHost } from '../../../src/host/local.js';
import { parseYaml } from '../../../src/util/yaml.js';
import { tempDir } from '../../support/temp.js';

const WINDOWS_ONLY = ['cgroupsPerQOS', 'enforceNodeAllocatable', 'resolvConf'];

describe("the kubelet's platform", () => {
  it("is chosen by the host: kubelet.exe in C:\\k and containerd's pipe on Windows, /usr/bin/kubelet and its socket on Linux", () => {
    expect(kubeletPlatform({ os: 'windows' })).toBe(windowsKubelet);
    expect(kubeletPlatform({ os: 'linux' })).toBe(linuxKubelet);
    expect(windowsKubelet.binary).toBe('C:\\k\\kubelet.exe');
    expect(linuxKubelet.binary).toBe('/usr/bin/kubelet');
    // The kubeadm configuration's socket (unix://, its default) is not one a Windows kubelet can use.
    expect(windowsKubelet.criSocket('unix:///var/run/containerd/containerd.sock')).toBe('npipe:////./pipe/containerd-containerd');
    expect(linuxKubelet.criSocket(undefined)).toBe('unix:///var/run/containerd/containerd.sock');
  });

  it("writes Windows' kubelet settings into a Windows node's config.yaml, and none of them into a Linux node's", async () => {
    const host = new LocalHost(tempDir());
    const cfg = defaultInitConfig();
    const windows = parseYaml(await windowsKubelet.configFile(host, cfg, windowsKubelet.criSocket(undefined))) as Record<string, unknown>;
    const linux = parseYaml(await linuxKubelet.configFile(host, cfg, linuxKubelet.criSocket(undefined))) as Record<string, unknown>;
    expect(windows).toMatchObject({
      cgroupsPerQOS: false,
      enforceNodeAllocatable: [],
      resolvConf: '',
      containerRuntimeEndpoint: 'npipe:////./pipe/containerd-containerd',
    });
    expect(Object.keys(linux).filter((k) => WINDOWS_ONLY.includes(k))).toEqual([]);
    // Everything else is the cluster's kubelet configuration, as on Linux.
    const { containerRuntimeEndpoint: _w, ...windowsRest } = windows;
    const { containerRuntimeEndpoint: _l, ...linuxRest } = linux;
    expect(Object.fromEntries(Object.entries(windowsRest).filter(([k]) => !WINDOWS_ONLY.includes(k)))).toEqual(linuxRest);
  });
});
