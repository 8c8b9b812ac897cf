/**
 * kubelet.exe on a Windows node, in C:\k as the sig-windows guides install it. A running kubelet.exe can be renamed
 * but not overwritten, so the new bytes go to kubelet.exe.new and are renamed into place (the roll, with the service
 * stopped, keeps the old one under another name for rollback). Where the bytes come from is the cluster file's
 * kubelet install choice: a release URL checked against its published SHA-256, or a file of this machine.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { READ_CAPS, type Host } from '../host/host.js';
import type { KubeletInstall } from '../inventory/inventory.js';
import { WINDOWS_KUBELET_BINARY } from '../kube/windows-paths.js';
import { binarySource, kubeletSourceFile, type KubeletDownloads } from './kubelet-release.js';

/** Where a new kubelet.exe waits until it can be moved in (the roll stages it before the node's downtime). */
export const STAGED_WINDOWS_KUBELET = `${WINDOWS_KUBELET_BINARY}.new`;
const EXECUTABLE_MODE = 0o755;

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The SHA-256 of the node's kubelet.exe, undefined without one. */
export async function installedKubeletDigest(host: Host): Promise<string | undefined> {
  const current = await host.readFile(WINDOWS_KUBELET_BINARY, READ_CAPS.binary);
  return current && sha256(current);
}

/** Whether the node's file holds exactly these bytes (the size first: a kubelet.exe is read whole only when it may match). */
async function holds(host: Host, nodePath: string, bytes: Uint8Array): Promise<boolean> {
  const stat = await host.stat(nodePath);
  if (!stat || stat.isDirectory || stat.size !== bytes.length) return false;
  const current = await host.readFile(nodePath, READ_CAPS.binary);
  return current !== undefined && sha256(current) === sha256(bytes);
}

/**
 * Puts these bytes on the node as kubelet.exe.new, unless kubelet.exe or kubelet.exe.new already holds them;
 * returns whether it wrote.
 */
export async function stageWindowsKubelet(host: Host, bytes: Uint8Array): Promise<boolean> {
  if ((await holds(host, WINDOWS_KUBELET_BINARY, bytes)) || (await holds(host, STAGED_WINDOWS_KUBELET, bytes))) return false;
  await host.writeFileAtomic(STAGED_WINDOWS_KUBELET, bytes, EXECUTABLE_MODE);
  return true;
}

/**
 * Makes these bytes the node's kubelet.exe: staged as kubelet.exe.new (unless already there), the current
 * kubelet.exe renamed to `keepPreviousAs` when given, then kubelet.exe.new renamed to kubelet.exe. Each step finds
 * what an interrupted earlier run did and goes on. False, writing nothing, when kubelet.exe already holds these bytes.
 */
export async function installWindowsKubelet(host: Host, bytes: Uint8Array, opts: { keepPreviousAs?: string } = {}): Promise<boolean> {
  if (await holds(host, WINDOWS_KUBELET_BINARY, bytes)) return false;
  await stageWindowsKubelet(host, bytes);
  if (opts.keepPreviousAs && (await host.stat(WINDOWS_KUBELET_BINARY))) await host.rename(WINDOWS_KUBELET_BINARY, opts.keepPreviousAs);
  await host.rename(STAGED_WINDOWS_KUBELET, WINDOWS_KUBELET_BINARY);
  return true;
}

/** Where a Windows node's kubelet.exe of a version comes from: its SHA-256 (known before the bytes are fetched) and its bytes. */
export interface WindowsKubeletSource {
  /** In a few words, for plans: the URL or file. */
  readonly describe: string;
  digest(): Promise<string>;
  bytes(): Promise<Uint8Array>;
}

/** Why a kubelet install choice cannot serve a Windows node (undefined: it can). */
export function windowsKubeletChoiceProblem(choice: KubeletInstall): string | undefined {
  if (choice.install === 'package') return 'kubelet.install: package: Windows has no Kubernetes packages; give install: binary (a release URL or a file)';
  if (choice.install === 'binary' && 'fetch' in choice && choice.fetch === 'node')
    return 'kubelet.fetch: node: a Windows node does not download its kubelet itself; bosun pushes it (fetch: bosun)';
  return undefined;
}

/** kubelet.exe of `version` from the host's kubelet install choice; `machine` is where `from` files are read. */
export function windowsKubeletSource(
  hostName: string,
  choice: KubeletInstall,
  version: string,
  machine: Host,
  downloads: KubeletDownloads,
): WindowsKubeletSource | undefined {
  const problem = windowsKubeletChoiceProblem(choice);
  if (problem) throw new UserError(`host ${hostName}: ${problem}`);
  if (choice.install !== 'binary') return undefined;
  if ('from' in choice) {
    const bytes = async () => (await machine.readFile(await kubeletSourceFile(choice.from, version, machine, 'windows'), READ_CAPS.binary))!;
    return { describe: binarySource(choice.from, version, 'amd64', 'windows'), digest: async () => sha256(await bytes()), bytes };
  }
  // Windows nodes are amd64: the only Windows architecture Kubernetes releases nodes for.
  const url = binarySource(choice.url, version, 'amd64', 'windows');
  return { describe: `${url} (SHA-256 checked)`, digest: () => downloads.digest(url), bytes: () => downloads.binary(url) };
}
