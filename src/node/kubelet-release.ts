/**
 * Kubelet binaries from a release URL, checked against the SHA-256 published beside them: the URL template of the
 * cluster file's kubelet install choice filled in for a version, OS and architecture, and each download made once
 * however many nodes need it. Linux and Windows nodes install from the same machinery.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import type { Download } from '../host/download.js';
import type { Host } from '../host/host.js';

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

/** The cluster file's `kubelet.from` for a version (and the node's OS), which must be a file on this machine. */
export async function kubeletSourceFile(from: string, version: string, machine: Host, os: Host['os'] = 'linux'): Promise<string> {
  const source = binarySource(from, version, undefined, os);
  const found = await machine.stat(source);
  if (!found || found.isDirectory) throw new UserError(`kubelet ${version}: ${source} is not a file on this machine (the cluster file's kubelet.from)`);
  return source;
}
