import { promises as fs, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import type { Cluster } from '../cluster/cluster.js';
import { connectCluster } from '../cluster/connect.js';
import { LocalHost } from '../host/local.js';
import type { Node } from '../kube/workloads.js';
import { tryRun } from './exec.js';
import { KUBELET_BINARY } from '../kube/paths.js';
import { ADMIN_CONF, CONTROL_PLANE_NODE, sandboxPaths } from './paths.js';

/** How often every node's kubelet binary is looked at again, besides the file events that say so at once. */
const RESCAN_MS = 5_000;
/** Status writes at once: a 200-node roll changes many binaries together, the API server has other work. */
const WRITES_AT_ONCE = 4;

/**
 * The kubelet's part of what a sandbox Node reports about itself: `status.nodeInfo.kubeletVersion` is the
 * version of the kubelet binary on that node's disk (`<rootfs>/usr/bin/kubelet`, asked with `--version` once
 * per distinct binary). A binary that changes is seen through file events on each node's /usr/bin (and a rescan
 * every few seconds); a Node that says otherwise (written by anyone) through one watch of every Node; either
 * way its status is written, a few at a time. The sandbox never tells a Node a version its disk does not hold.
 */
export class KubeletVersionReporter {
  /** Per node: the version of the binary on its disk. */
  private readonly onDisk = new Map<string, string>();
  /** Per node: what its Node reports (only nodes whose Node exists). */
  private readonly reported = new Map<string, string | undefined>();
  /** Per binary (real path, inode, mtime): what its `--version` says. */
  private readonly versions = new Map<string, Promise<string | undefined>>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly writing = new Set<string>();
  private readonly limit = pLimit(WRITES_AT_ONCE);
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  private cluster?: Cluster;
  private lastProblem?: string;

  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), RESCAN_MS);
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.controller.abort();
    for (const watcher of this.watchers.values()) watcher.close();
  }

  private async tick(): Promise<void> {
    try {
      if (!this.cluster) await this.connect();
      await this.scan();
      this.lastProblem = undefined;
    } catch (err) {
      const problem = (err as Error).message;
      if (problem !== this.lastProblem) this.log(`kubelet versions: ${problem} (trying again every ${RESCAN_MS / 1000}s)`);
      this.lastProblem = problem;
    }
  }

  /** One watch of every Node, from the control-plane node's admin.conf once `bosun init` wrote it. */
  private async connect(): Promise<void> {
    const cluster = await connectCluster(new LocalHost(sandboxPaths(this.dir).nodeRoot(CONTROL_PLANE_NODE)), ADMIN_CONF);
    this.cluster = cluster;
    void cluster
      .watch<Node>(
        'v1',
        'Node',
        {},
        (event) => {
          if (event.type === 'LISTED') {
            this.reported.clear();
            for (const node of event.items) this.reported.set(node.metadata.name, node.status?.nodeInfo?.kubeletVersion);
            for (const name of this.onDisk.keys()) this.reconcile(name);
          } else if (event.type === 'DELETED') {
            this.reported.delete(event.object.metadata.name);
          } else {
            this.reported.set(event.object.metadata.name, event.object.status?.nodeInfo?.kubeletVersion);
            this.reconcile(event.object.metadata.name);
          }
        },
        this.controller.signal,
      )
      .catch((err: Error) => this.log(`kubelet versions: the watch of Nodes ended: ${err.message}`));
    this.log("kubelet versions: reporting each node's kubelet version from the binary on its disk");
  }

  /** Every node directory: its binary's version, a watch on its /usr/bin. */
  private async scan(): Promise<void> {
    const nodesDir = path.join(sandboxPaths(this.dir).root, 'nodes');
    const names = await fs.readdir(nodesDir).catch(() => [] as string[]);
    await Promise.all(names.map((name) => this.look(name)));
  }

  private async look(name: string): Promise<void> {
    const rootfs = path.join(sandboxPaths(this.dir).root, 'nodes', name);
    this.watchBinDir(name, path.join(rootfs, path.dirname(KUBELET_BINARY)));
    const version = await this.binaryVersion(path.join(rootfs, KUBELET_BINARY));
    if (version === undefined) return void this.onDisk.delete(name);
    this.onDisk.set(name, version);
    this.reconcile(name);
  }

  private watchBinDir(name: string, binDir: string): void {
    if (this.watchers.has(name)) return;
    try {
      const watcher = watch(binDir, (_event, file) => {
        if (file === path.basename(KUBELET_BINARY)) void this.look(name);
      });
      watcher.on('error', () => {
        watcher.close();
        this.watchers.delete(name);
      });
      this.watchers.set(name, watcher);
    } catch {
      // No /usr/bin yet: the next scan watches it.
    }
  }

  /** What the binary says it is (`Kubernetes v1.37.1`), asked once per binary; undefined when there is none. */
  private async binaryVersion(file: string): Promise<string | undefined> {
    const real = await fs.realpath(file).catch(() => undefined);
    const stat = real === undefined ? undefined : await fs.stat(real).catch(() => undefined);
    if (real === undefined || !stat?.isFile()) return undefined;
    const key = `${real}:${stat.ino}:${stat.mtimeMs}`;
    if (!this.versions.has(key)) {
      this.versions.set(
        key,
        tryRun(real, ['--version']).then((out) => /\bv\d+\.\d+\.\d+\S*/.exec(out ?? '')?.[0]),
      );
    }
    return this.versions.get(key);
  }

  /** Writes the node's version to its Node when they differ (one write per node at a time, a few in all). */
  private reconcile(name: string): void {
    const version = this.onDisk.get(name);
    if (!this.cluster || version === undefined || !this.reported.has(name) || this.reported.get(name) === version || this.writing.has(name)) return;
    this.writing.add(name);
    const cluster = this.cluster;
    void this.limit(async () => {
      try {
        await cluster.patch({ apiVersion: 'v1', kind: 'Node', name }, { status: { nodeInfo: { kubeletVersion: version } } }, { subresource: 'status' });
        this.reported.set(name, version);
        this.log(`node ${name}: reports kubelet ${version}, the binary on its disk`);
      } catch (err) {
        // The next scan tries again.
        return this.log(`node ${name}: cannot write its kubelet version: ${(err as Error).message}`);
      } finally {
        this.writing.delete(name);
      }
      // The binary may have changed again meanwhile.
      this.reconcile(name);
    });
  }
}
