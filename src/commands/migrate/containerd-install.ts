/**
 * The cluster file's containerd install choice as a node step, with the kubelet's machinery: `none` (the node has
 * containerd already; the default when /usr/bin/containerd exists), `package` (the distribution's containerd, the
 * default otherwise), or a binary copied from a file of this machine (`from`).
 */
import { UserError } from '../../errors.js';
import { READ_CAPS, type Host } from '../../host/host.js';
import type { KubeletInstall } from '../../inventory/inventory.js';

export const CONTAINERD_BINARY = '/usr/bin/containerd';

const PACKAGE_COMMANDS: Array<[string, string[][]]> = [
  [
    '/usr/bin/apt-get',
    [
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', 'containerd'],
    ],
  ],
  ['/usr/bin/dnf', [['dnf', 'install', '-y', 'containerd']]],
  ['/usr/bin/yum', [['yum', 'install', '-y', 'containerd']]],
];

/** The choice for a node: the cluster file's, else none when the node has containerd, else its package. */
export async function containerdChoice(host: Host, given: KubeletInstall | undefined): Promise<KubeletInstall> {
  return given ?? ((await host.stat(CONTAINERD_BINARY)) ? { install: 'none' } : { install: 'package' });
}

export async function installContainerd(host: Host, choice: KubeletInstall, machine: Host, log: (line: string) => void): Promise<void> {
  if (choice.install === 'none') {
    if (!(await host.stat(CONTAINERD_BINARY)))
      throw new UserError(
        `${CONTAINERD_BINARY} is not on the node and the cluster file's containerd install is none: install containerd, or choose package or binary`,
      );
    return log(`[migrate/runtime] containerd is installed (${CONTAINERD_BINARY}): not installing it`);
  }
  if (choice.install === 'package') {
    let found: string[][] | undefined;
    for (const [manager, commands] of PACKAGE_COMMANDS) if (!found && (await host.stat(manager))) found = commands;
    if (!found) throw new UserError("no apt-get, dnf or yum on this node: install containerd yourself and set the host's containerd: {install: none}");
    for (const command of found) {
      log(`[migrate/runtime] Running ${command.join(' ')}`);
      await host.exec(command[0], command.slice(1), { env: { DEBIAN_FRONTEND: 'noninteractive' } });
    }
    return;
  }
  // The cluster file refuses a containerd url: a binary comes from a file of this machine.
  if (!('from' in choice)) throw new UserError('containerd: install binary needs from (a containerd binary on this machine)');
  const data = await machine.readFile(choice.from, READ_CAPS.binary);
  if (!data) throw new UserError(`containerd: ${choice.from} is not a file on this machine (the cluster file's containerd.from)`);
  await host.writeFileAtomic(CONTAINERD_BINARY, data, 0o755);
  log(`[migrate/runtime] Copied ${choice.from} to ${CONTAINERD_BINARY}`);
}
