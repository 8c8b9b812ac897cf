/**
 * Where a sandbox node's kubelet and its files are, by the machine's OS. A Windows kubelet resolves kubeadm's
 * Linux paths (`/var/lib/kubelet/config.yaml`, `/etc/kubernetes/kubelet.conf`, `/var/lib/kubelet/pki`) against its
 * system drive, so the kubelet stand-in reads the same files under `<rootfs>/C:`; only its binary and how its
 * version is read differ (a Windows program cannot run here: its build info says what it is).
 */
import path from 'node:path';
import { KUBELET_BINARY } from '../kube/paths.js';
import { windowsNodePath } from '../kube/windows-paths.js';
import { tryRun } from './exec.js';
import { isWindowsMachine } from './windows/facts.js';
import { windowsVersionOutput } from './windows/native-version.js';
import { SYSTEM_DRIVE } from './windows/interpreter-machine.js';

export interface KubeletLayout {
  os: 'linux' | 'windows';
  /** Where kubeadm's Linux paths are: the rootfs, or a Windows machine's system drive in it. */
  root(rootfs: string): string;
  /** The kubelet binary, as a path under root. */
  binary: string;
  /** A path under root as the node's operator names it (`C:\var\lib\kubelet\config.yaml` on Windows). */
  display(nodePath: string): string;
  /** What a binary of the node prints for `--version`. */
  versionOutput(file: string): Promise<string | undefined>;
}

export const LINUX_LAYOUT: KubeletLayout = {
  os: 'linux',
  root: (rootfs) => rootfs,
  binary: KUBELET_BINARY,
  display: (nodePath) => nodePath,
  versionOutput: (file) => tryRun(file, ['--version']),
};

export const WINDOWS_LAYOUT: KubeletLayout = {
  os: 'windows',
  root: (rootfs) => path.join(rootfs, SYSTEM_DRIVE),
  binary: '/k/kubelet.exe',
  display: windowsNodePath,
  versionOutput: windowsVersionOutput,
};

/** The layout of the machine whose rootfs this is (a Windows machine's disk has its CIM facts). */
export const kubeletLayout = async (rootfs: string): Promise<KubeletLayout> => ((await isWindowsMachine(rootfs)) ? WINDOWS_LAYOUT : LINUX_LAYOUT);
