/**
 * The cluster file's kubelet install choices as `upgrade node`'s Host steps. A binary replaces the node's
 * /usr/bin/kubelet in one step (a reader sees the old binary or the new one), and the old one stays beside it as
 * /usr/bin/kubelet.previous, so a node that fails on the new kubelet can be put back. Where the binary comes from:
 * a release URL checked against its published SHA-256 (downloaded once by bosun and pushed to every node, or fetched
 * by each node), or a file of the machine bosun runs on (copied, or linked where the node's files are on it).
 */
import { READ_CAPS, type Host } from '../../../host/host.js';
import type { KubeletInstall } from '../../../inventory/inventory.js';
import { KUBELET_BINARY } from '../../../kube/paths.js';
import { binarySource, kubeletSourceFile, type KubeletDownloads } from '../../../node/kubelet-release.js';
import { manualInstaller, packageInstaller, type KubeletInstaller } from '../kubelet.js';
import { nodeArchitecture, nodeFetchScript } from './node-fetch.js';

export const PREVIOUS_KUBELET = `${KUBELET_BINARY}.previous`;

export { binarySource, KubeletDownloads, publishedDigest } from '../../../node/kubelet-release.js';

/** Keeps the node's current kubelet as PREVIOUS_KUBELET (a hard link: no copy, same file system). */
async function keepPrevious(host: Host): Promise<void> {
  if (!(await host.stat(KUBELET_BINARY))) return;
  await host.exec('ln', ['-f', host.resolve(KUBELET_BINARY), host.resolve(PREVIOUS_KUBELET)]);
}

export function fileInstaller(from: string, link: boolean, machine: Host): KubeletInstaller {
  return {
    name: 'kubelet-binary',
    describe: (version) => `${link ? 'link' : 'copy'} ${binarySource(from, version)} to ${KUBELET_BINARY}`,
    async install(host, version, log) {
      const source = await kubeletSourceFile(from, version, machine);
      await keepPrevious(host);
      if (link && host.symlink) {
        await host.symlink(source, KUBELET_BINARY);
        return log(`[upgrade/kubelet] ${KUBELET_BINARY} now links to ${source}`);
      }
      await host.writeFileAtomic(KUBELET_BINARY, (await machine.readFile(source, READ_CAPS.binary))!, 0o755);
      log(`[upgrade/kubelet] Copied ${source} to ${KUBELET_BINARY}`);
    },
  };
}

/** Kubernetes publishes its Windows node binaries for amd64 only; a Linux node's is what `uname -m` says. */
const releaseArchitecture = (host: Host): Promise<string> => (host.os === 'windows' ? Promise.resolve('amd64') : nodeArchitecture(host));

/** The release URL for this node: its architecture and OS filled in. */
const releaseUrl = async (template: string, host: Host, version: string) => binarySource(template, version, await releaseArchitecture(host), host.os);

/** A kubelet binary bosun pushes itself: a release download or a file of this machine. */
export type PushedKubelet = Extract<KubeletInstall, { install: 'binary' }> & ({ from: string } | { fetch: 'bosun' });

/** The bytes of the kubelet of `version` a pushed install gives this host: the release download (SHA-256 checked) or the file. */
export async function pushedKubeletBytes(choice: PushedKubelet, host: Host, version: string, machine: Host, downloads: KubeletDownloads): Promise<Buffer> {
  if ('from' in choice) return (await machine.readFile(await kubeletSourceFile(choice.from, version, machine, host.os), READ_CAPS.binary))!;
  return downloads.binary(await releaseUrl(choice.url, host, version));
}

export function releaseInstaller(template: string, fetch: 'bosun' | 'node', downloads: KubeletDownloads): KubeletInstaller {
  return {
    name: 'kubelet-binary',
    describe: (version) =>
      `${fetch === 'node' ? 'the node downloads' : 'push'} ${binarySource(template, version, '{arch}')} (SHA-256 checked) to ${KUBELET_BINARY}`,
    async install(host, version, log) {
      const url = await releaseUrl(template, host, version);
      if (fetch === 'node') {
        await host.exec('sh', ['-c', nodeFetchScript(host, url, await downloads.digest(url))]);
        return log(`[upgrade/kubelet] The node downloaded ${url} to ${KUBELET_BINARY} (SHA-256 checked; the old one kept as ${PREVIOUS_KUBELET})`);
      }
      const binary = await downloads.binary(url);
      await keepPrevious(host);
      await host.writeFileAtomic(KUBELET_BINARY, binary, 0o755);
      log(`[upgrade/kubelet] Pushed ${url} to ${KUBELET_BINARY} (SHA-256 checked; the old one kept as ${PREVIOUS_KUBELET})`);
    },
  };
}

/**
 * What a host's kubelet install needs, fetched and checked before the roll changes anything: the release binary
 * bosun pushes (downloaded once, its SHA-256 checked), the published digest a node checks its own download
 * against, or the file on this machine. A wrong digest or a missing file then stops the roll with every node as
 * it was, instead of on a node already cordoned and drained.
 */
export async function prepareKubelet(choice: KubeletInstall, host: Host, version: string, machine: Host, downloads: KubeletDownloads): Promise<void> {
  if (choice.install !== 'binary') return;
  if ('from' in choice) return void (await kubeletSourceFile(choice.from, version, machine));
  const url = await releaseUrl(choice.url, host, version);
  await (choice.fetch === 'node' ? downloads.digest(url) : downloads.binary(url));
}

/** The Host step for a host's kubelet install choice; `machine` is where `from` files are read. */
export function kubeletInstaller(choice: KubeletInstall, machine: Host, downloads: KubeletDownloads): KubeletInstaller {
  if (choice.install === 'binary')
    return 'from' in choice ? fileInstaller(choice.from, choice.link, machine) : releaseInstaller(choice.url, choice.fetch, downloads);
  return choice.install === 'package' ? packageInstaller : manualInstaller;
}
