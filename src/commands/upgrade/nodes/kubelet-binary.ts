/**
 * The cluster file's kubelet install choices as `upgrade node`'s Host steps. A binary replaces the node's
 * /usr/bin/kubelet in one step (a reader sees the old binary or the new one), and the old one stays beside it as
 * /usr/bin/kubelet.previous, so a node that fails on the new kubelet can be put back. Where the binary comes from:
 * a release URL checked against its published SHA-256 (downloaded once by bosun and pushed to every node, or fetched
 * by each node), or a file of the machine bosun runs on (copied, or linked where the node's files are on it).
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../../errors.js';
import { READ_CAPS, type Host } from '../../../host/host.js';
import type { Download } from '../../../host/download.js';
import type { KubeletInstall } from '../../../inventory/inventory.js';
import { KUBELET_BINARY } from '../../../kube/paths.js';
import { manualInstaller, packageInstaller, type KubeletInstaller } from '../kubelet.js';
import { nodeArchitecture, nodeFetchScript } from './node-fetch.js';

export const PREVIOUS_KUBELET = `${KUBELET_BINARY}.previous`;

/** `{version}` (and in URLs `{os}`, `{arch}`, `{binary}`) filled in. */
export const binarySource = (template: string, version: string, arch = 'amd64', os: 'linux' | 'windows' = 'linux'): string =>
  template
    .replaceAll('{version}', version)
    .replaceAll('{os}', os)
    .replaceAll('{arch}', arch)
    .replaceAll('{binary}', os === 'windows' ? 'kubelet.exe' : 'kubelet');

const KUBELET_LIMITS = { maxBytes: 512 * 1024 * 1024, timeoutMs: 10 * 60_000 };
const DIGEST_LIMITS = { maxBytes: 4096, timeoutMs: 60_000 };

/** The digest in a published `.sha256` file: the first word, 64 hex digits. */
export function publishedDigest(text: string, url: string): string {
  const digest = text.trim().split(/\s+/)[0]?.toLowerCase();
  if (!digest || !/^[0-9a-f]{64}$/.test(digest)) throw new UserError(`${url}: expected a SHA-256 digest (64 hex digits)`);
  return digest;
}

/** Release downloads, each made once however many nodes need it, each checked against its published digest. */
export class KubeletDownloads {
  private readonly binaries = new Map<string, Promise<Buffer>>();
  private readonly digests = new Map<string, Promise<string>>();

  constructor(private readonly download: Download) {}

  digest(url: string): Promise<string> {
    const digestUrl = `${url}.sha256`;
    if (!this.digests.has(url))
      this.digests.set(
        url,
        this.download(digestUrl, DIGEST_LIMITS).then((text) => publishedDigest(text.toString('utf8'), digestUrl)),
      );
    return this.digests.get(url)!;
  }

  binary(url: string): Promise<Buffer> {
    if (!this.binaries.has(url)) {
      const checked = Promise.all([this.download(url, KUBELET_LIMITS), this.digest(url)]).then(([data, expected]) => {
        const actual = createHash('sha256').update(data).digest('hex');
        if (actual !== expected) throw new UserError(`${url}: its SHA-256 is ${actual}, the published one (${url}.sha256) is ${expected}: not installed`);
        return data;
      });
      this.binaries.set(url, checked);
    }
    return this.binaries.get(url)!;
  }
}

/** Keeps the node's current kubelet as PREVIOUS_KUBELET (a hard link: no copy, same file system). */
async function keepPrevious(host: Host): Promise<void> {
  if (!(await host.stat(KUBELET_BINARY))) return;
  await host.exec('ln', ['-f', host.resolve(KUBELET_BINARY), host.resolve(PREVIOUS_KUBELET)]);
}

/** The cluster file's `kubelet.from` for a version, which must be a file on this machine. */
async function sourceFile(from: string, version: string, machine: Host): Promise<string> {
  const source = binarySource(from, version);
  const found = await machine.stat(source);
  if (!found || found.isDirectory) throw new UserError(`kubelet ${version}: ${source} is not a file on this machine (the cluster file's kubelet.from)`);
  return source;
}

export function fileInstaller(from: string, link: boolean, machine: Host): KubeletInstaller {
  return {
    name: 'kubelet-binary',
    describe: (version) => `${link ? 'link' : 'copy'} ${binarySource(from, version)} to ${KUBELET_BINARY}`,
    async install(host, version, log) {
      const source = await sourceFile(from, version, machine);
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
  if ('from' in choice) return (await machine.readFile(await sourceFile(choice.from, version, machine), READ_CAPS.binary))!;
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
  if ('from' in choice) return void (await sourceFile(choice.from, version, machine));
  const url = await releaseUrl(choice.url, host, version);
  await (choice.fetch === 'node' ? downloads.digest(url) : downloads.binary(url));
}

/** The Host step for a host's kubelet install choice; `machine` is where `from` files are read. */
export function kubeletInstaller(choice: KubeletInstall, machine: Host, downloads: KubeletDownloads): KubeletInstaller {
  if (choice.install === 'binary')
    return 'from' in choice ? fileInstaller(choice.from, choice.link, machine) : releaseInstaller(choice.url, choice.fetch, downloads);
  return choice.install === 'package' ? packageInstaller : manualInstaller;
}
