/**
 * `bosun upgrade nodes` over SSH on a sandbox: the cluster file and known_hosts `sandbox up` wrote, and what a test
 * reads off the nodes' disks afterwards (digests of the files a roll may touch, temp files a write left behind).
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { Cluster } from '../../src/cluster/cluster.js';
import type { Node } from '../../src/kube/workloads.js';
import { artifactDir, kubernetesArtifact } from '../../src/sandbox/binaries.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { bosun, type CliResult, type Sandbox } from './sandbox.js';

/** The directories of a node a roll writes to. */
export const ROLLED_DIRS = ['usr/bin', 'var/lib/kubelet', 'etc/kubernetes'];

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
export const cachedKubelet = (version: string) => path.join(artifactDir(kubernetesArtifact(version)), 'kubelet');

export const sandboxState = (sandbox: Sandbox): SandboxState => JSON.parse(readFileSync(sandboxPaths(sandbox.dir).state, 'utf8')) as SandboxState;
export const nodeNames = (sandbox: Sandbox) => sandboxState(sandbox).nodes.map((n) => n.name);
export const rootfs = (sandbox: Sandbox, node: string) => sandboxPaths(sandbox.dir).nodeRoot(node);

/** `bosun upgrade nodes` with the sandbox's SSH cluster file and known_hosts (each overridable), its journal in `journalDir`. */
export function sshRoll(sandbox: Sandbox, journalDir: string, opts: { inventory?: string; knownHosts?: string } = {}) {
  const paths = sandboxPaths(sandbox.dir);
  const args = [
    'upgrade',
    'nodes',
    '--kubeconfig',
    sandbox.kubeconfig,
    '--inventory',
    opts.inventory ?? paths.cluster,
    '--known-hosts',
    opts.knownHosts ?? paths.knownHosts,
    '--journal-dir',
    journalDir,
  ];
  return { args, run: (...extra: string[]): Promise<CliResult> => bosun(...args, ...extra) };
}

function walk(dir: string, visit: (file: string) => void): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(file, visit);
    else visit(file);
  }
}

/** Every file under the rolled directories of every node: its digest (a link: its target). */
export function nodeDigests(sandbox: Sandbox): Map<string, string> {
  const digests = new Map<string, string>();
  for (const node of nodeNames(sandbox)) {
    const root = rootfs(sandbox, node);
    for (const dir of ROLLED_DIRS)
      walk(path.join(root, dir), (file) => {
        const st = lstatSync(file);
        if (st.isSymbolicLink()) digests.set(file, `-> ${readlinkSync(file)}`);
        else if (st.isFile()) digests.set(file, `${(st.mode & 0o7777).toString(8)} ${sha256(readFileSync(file))}`);
      });
  }
  return digests;
}

/**
 * Temp files of an interrupted write left in the rolled directories: bosun's (`.name.<random>.tmp` over SFTP and on
 * the node, `name.<random>.tmp` through the local door), not files a program names so itself (etcd's `wal/0.tmp`).
 */
export function leftoverTemps(sandbox: Sandbox): string[] {
  const temps: string[] = [];
  for (const node of nodeNames(sandbox))
    for (const dir of ROLLED_DIRS)
      walk(path.join(rootfs(sandbox, node), dir), (file) => void (/^\..+\.tmp$|\.[0-9a-f]{12}\.tmp$/.test(path.basename(file)) && temps.push(file)));
  return temps;
}

/** The SHA-256 of /usr/bin/kubelet on each node's disk. */
export const kubeletDigests = (sandbox: Sandbox) =>
  Object.fromEntries(nodeNames(sandbox).map((n) => [n, sha256(readFileSync(path.join(rootfs(sandbox, n), 'usr/bin/kubelet')))]));

/** Each Node's reported kubelet version and whether it is cordoned. */
export async function nodeReports(cluster: Cluster): Promise<{ versions: Record<string, string | undefined>; cordoned: string[] }> {
  const nodes = await cluster.list<Node>('v1', 'Node');
  return {
    versions: Object.fromEntries(nodes.map((n) => [n.metadata.name, n.status?.nodeInfo?.kubeletVersion])),
    cordoned: nodes.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name),
  };
}
