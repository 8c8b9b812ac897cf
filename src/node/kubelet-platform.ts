/**
 * What differs per operating system for a node's kubelet: where its binary is, which CRI endpoint it talks to and
 * its node-side configuration. The files themselves sit at the same node paths on both (a Windows Host reads
 * `/var/lib/kubelet/config.yaml` as `C:\var\lib\kubelet\config.yaml`, as the kubelet and kubeadm do on Windows).
 */
import { DEFAULTS } from '../config/defaults.js';
import type { InitConfig } from '../config/types.js';
import type { Host } from '../host/host.js';
import { KUBELET_BINARY } from '../kube/paths.js';
import { WINDOWS_CRI_SOCKET, WINDOWS_KUBELET_BINARY } from '../kube/windows-paths.js';
import { clusterKubeletConfiguration, nodeKubeletConfiguration, renderKubeletConfiguration } from '../kubelet/config.js';
import { windowsKubeletConfiguration } from '../kubelet/windows.js';

export interface KubeletPlatform {
  readonly os: Host['os'];
  /** The kubelet binary's node path. */
  readonly binary: string;
  /** The CRI endpoint the kubelet uses, given the one the configuration names (Linux defaults to containerd's socket). */
  criSocket(configured: string | undefined): string;
  /** `/var/lib/kubelet/config.yaml` for this node: the cluster's kubelet configuration with the node's own settings. */
  configFile(host: Host, cfg: InitConfig, criSocket: string): Promise<string>;
  /** How to look at a kubelet that does not start, for error messages. */
  readonly logHint: string;
}

/** Whether systemd-resolved runs on the node (then the kubelet must read its real resolv.conf). Unknown offline: no. */
async function systemdResolvedActive(host: Host): Promise<boolean> {
  if (host.offline) return false;
  try {
    return (await host.exec('systemctl', ['is-active', '--quiet', 'systemd-resolved'], { check: false })).code === 0;
  } catch {
    return false; // no systemctl: no systemd-resolved either
  }
}

/** config.yaml of a Linux node: the cluster's kubelet configuration with this node's CRI socket and resolv.conf. */
export function kubeletConfigFile(cfg: InitConfig, node: { criSocket: string; systemdResolved: boolean }): string {
  return renderKubeletConfiguration(nodeKubeletConfiguration(clusterKubeletConfiguration(cfg.kubelet, cfg.cluster), node));
}

export const linuxKubelet: KubeletPlatform = {
  os: 'linux',
  binary: KUBELET_BINARY,
  criSocket: (configured) => configured || DEFAULTS.criSocket,
  configFile: async (host, cfg, criSocket) => kubeletConfigFile(cfg, { criSocket, systemdResolved: await systemdResolvedActive(host) }),
  logHint: 'systemctl status kubelet, journalctl -xeu kubelet',
};

export const windowsKubelet: KubeletPlatform = {
  os: 'windows',
  binary: WINDOWS_KUBELET_BINARY,
  // The configuration's socket is a unix:// one (the only kind the kubeadm configuration validates): containerd's pipe instead.
  criSocket: (configured) => (configured?.startsWith('npipe://') ? configured : WINDOWS_CRI_SOCKET),
  configFile: async (_host, cfg, criSocket) =>
    renderKubeletConfiguration(
      windowsKubeletConfiguration(nodeKubeletConfiguration(clusterKubeletConfiguration(cfg.kubelet, cfg.cluster), { criSocket, systemdResolved: false })),
    ),
  logHint: 'Get-Service kubelet, and the kubelet log under C:\\var\\log\\kubelet',
};

export const kubeletPlatform = (host: Pick<Host, 'os'>): KubeletPlatform => (host.os === 'windows' ? windowsKubelet : linuxKubelet);
