/**
 * The node-side kubelet swap of `bosun upgrade node`: a named Host step. Each kind of node replaces its kubelet
 * its own way (a package manager on a real Linux node; the sandbox and other executors bring their own).
 */
import type { Host } from '../../host/host.js';

export interface KubeletInstaller {
  /** The step's name, as plans and progress lines show it. */
  readonly name: string;
  /** What the step does for a version, in one line. */
  describe(version: string): string;
  install(host: Host, version: string, log: (line: string) => void): Promise<void>;
}

export type PackageManager = 'apt' | 'dnf' | 'yum';

/** Where each package manager lives on a node, in the order they are looked for. */
const MANAGERS: Array<[PackageManager, string]> = [
  ['apt', '/usr/bin/apt-get'],
  ['dnf', '/usr/bin/dnf'],
  ['yum', '/usr/bin/yum'],
];

/**
 * The commands that install kubelet `version` from the Kubernetes package repositories (pkgs.k8s.io), as the
 * Kubernetes upgrade guide gives them: apt holds the package afterwards, dnf/yum lift the repository's exclude.
 */
export function kubeletPackageCommands(manager: PackageManager, version: string): string[][] {
  const plain = version.replace(/^v/, '');
  if (manager === 'apt') {
    return [
      ['apt-mark', 'unhold', 'kubelet'],
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', `kubelet=${plain}-*`],
      ['apt-mark', 'hold', 'kubelet'],
    ];
  }
  return [[manager, 'install', '-y', `kubelet-${plain}`, '--disableexcludes=kubernetes']];
}

/** Installs the kubelet package with the node's package manager (apt, dnf or yum, whichever it has). */
export const packageInstaller: KubeletInstaller = {
  name: 'kubelet-package',
  describe: (version) => `install the kubelet ${version} package with the node's package manager (apt, dnf or yum)`,
  async install(host, version, log) {
    let manager: PackageManager | undefined;
    for (const [name, binary] of MANAGERS) {
      if (!manager && (await host.stat(binary))) manager = name;
    }
    if (!manager) throw new Error(`no apt-get, dnf or yum on this node: install kubelet ${version} yourself and run with --kubelet-install=none`);
    for (const command of kubeletPackageCommands(manager, version)) {
      log(`[upgrade/kubelet] Running ${command.join(' ')}`);
      await host.exec(command[0], command.slice(1), { env: { DEBIAN_FRONTEND: 'noninteractive' } });
    }
  },
};

/** Leaves the kubelet binary to the operator (or to whatever manages the node's packages). */
export const manualInstaller: KubeletInstaller = {
  name: 'kubelet-manual',
  describe: (version) => `the kubelet ${version} binary is installed by the operator (--kubelet-install=none)`,
  async install(_host, version, log) {
    log(`[upgrade/kubelet] Not replacing the kubelet binary (--kubelet-install=none): make sure kubelet ${version} is installed on this node`);
  },
};

export const KUBELET_INSTALLERS: Record<string, KubeletInstaller> = { package: packageInstaller, none: manualInstaller };
