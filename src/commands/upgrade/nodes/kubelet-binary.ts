/**
 * The inventory's kubelet install choices as `upgrade node`'s Host steps. `binary` puts a kubelet binary from the
 * machine bosun runs on at the node's /usr/bin/kubelet in one step (a reader sees the old binary or the new one):
 * a copy, or a link where the node's files are on this machine and the inventory asks for one.
 */
import { UserError } from '../../../errors.js';
import { READ_CAPS, type Host } from '../../../host/host.js';
import { KUBELET_BINARY } from '../../../kube/paths.js';
import type { KubeletInstall } from '../../../roll/inventory.js';
import { manualInstaller, packageInstaller, type KubeletInstaller } from '../kubelet.js';

/** `from` with `{version}` filled in: the binary of that version on this machine. */
export const binarySource = (from: string, version: string): string => from.replaceAll('{version}', version);

export function binaryInstaller(from: string, link: boolean, machine: Host): KubeletInstaller {
  return {
    name: 'kubelet-binary',
    describe: (version) => `${link ? 'link' : 'copy'} ${binarySource(from, version)} to ${KUBELET_BINARY}`,
    async install(host, version, log) {
      const source = binarySource(from, version);
      const found = await machine.stat(source);
      if (!found || found.isDirectory) throw new UserError(`kubelet ${version}: ${source} is not a file on this machine (the inventory's kubelet.from)`);
      if (link && host.symlink) {
        await host.symlink(source, KUBELET_BINARY);
        return log(`[upgrade/kubelet] ${KUBELET_BINARY} now links to ${source}`);
      }
      await host.writeFileAtomic(KUBELET_BINARY, (await machine.readFile(source, READ_CAPS.binary))!, 0o755);
      log(`[upgrade/kubelet] Copied ${source} to ${KUBELET_BINARY}`);
    },
  };
}

/** The Host step for a node's kubelet install choice; `machine` is where `binary` sources are read. */
export function kubeletInstaller(choice: KubeletInstall, machine: Host): KubeletInstaller {
  if (choice.install === 'binary') return binaryInstaller(choice.from, choice.link, machine);
  return choice.install === 'package' ? packageInstaller : manualInstaller;
}
