/**
 * A node that downloads its own kubelet (`fetch: node`): a shell script run through the node's Host, using
 * whichever of curl and wget the node has, checking the digest bosun read from the release before anything is
 * replaced, and replacing the binary by a rename so a reader sees the old binary or the new one.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../../../errors.js';
import type { Host } from '../../../host/host.js';
import { KUBELET_BINARY } from '../../../kube/paths.js';
import { shQuote as shellQuote } from '../../../host/ssh/quote.js';

/** `uname -m` as Kubernetes names architectures in its release paths. */
const ARCHITECTURES: Record<string, string> = { x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', ppc64le: 'ppc64le', s390x: 's390x' };

export async function nodeArchitecture(host: Host): Promise<string> {
  const machine = (await host.exec('uname', ['-m'])).stdout.trim();
  const arch = ARCHITECTURES[machine];
  if (!arch) throw new UserError(`the node's architecture "${machine}" (uname -m) has no Kubernetes release`);
  return arch;
}

export function nodeFetchScript(host: Host, url: string, digest: string): string {
  const target = host.resolve(KUBELET_BINARY);
  const temp = path.join(path.dirname(target), `.kubelet.${randomBytes(6).toString('hex')}.tmp`);
  const [q, t, u] = [shellQuote(target), shellQuote(temp), shellQuote(url)];
  return [
    'set -e',
    `trap 'rm -f ${t}' EXIT`,
    `if command -v curl >/dev/null; then curl -fsSL --max-time 600 -o ${t} ${u}; else wget -q -T 600 -O ${t} ${u}; fi`,
    `echo ${shellQuote(`${digest}  ${temp}`)} | sha256sum -c - >/dev/null || { echo "SHA-256 of ${url} does not match its published digest" >&2; exit 1; }`,
    `chmod 0755 ${t}`,
    `if [ -e ${q} ]; then ln -f ${q} ${shellQuote(`${target}.previous`)}; fi`,
    `mv -f ${t} ${q}`,
  ].join('\n');
}
