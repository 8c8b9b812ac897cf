import { promises as fs, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import type { Cluster } from '../cluster/cluster.js';
import { connectCluster } from '../cluster/connect.js';
import { LocalHost } from '../host/local.js';
import type { Node } from '../kube/workloads.js';
import type { KubeletLayout } from './kubelet-layout.js';
import type { KubeletMachines } from './kubelet-machines.js';
import { noKubelet, nodeWrite, readKubeletFiles, type Started } from './kubelet-node.js';
import { containerRuntimeVersion, kubeletEndpoint } from './kubelet-runtime.js';
import { KWOK_NODE_ANNOTATION } from './mirror.js';
import { ADMIN_CONF, CONTROL_PLANE_NODE, sandboxPaths } from './paths.js';
import type { NodeServices, UnitState } from './systemctl.js';

/** How often every node is looked at again (a kubelet that could not start is tried again, as systemd's RestartSec). */
const RESCAN_MS = 5_000;
/** Node writes at once: a 200-node roll restarts many kubelets together, the API server has other work. */
const WRITES_AT_ONCE = 4;

/**
 * The kubelet service of every sandbox node, as systemd runs it (enabled, restarted until it can start). Starting
 * it reads the node's /usr/bin/kubelet (its `--version`), /var/lib/kubelet/config.yaml and kubeadm-flags.env; its
 * Node then reports what a kubelet started from them reports (its version) and kwok keeps it Ready. A stopped
 * kubelet's Node is NotReady. One watch of every Node puts back what anyone else writes there.
 *
 * A node whose /usr/bin/kubelet is a link (the local inventory links the cached binaries; it cannot reach a
 * node's systemd) has its kubelet restarted when the link changes, as a package upgrade restarts it. A binary put
 * in place as a file (over SSH) takes a `systemctl restart kubelet`, as on any node.
 */
export class KubeletService implements NodeServices {
  private readonly started = new Map<string, Started>();
  /** Nodes whose kubelet could not start, and why (tried again on every scan). */
  private readonly failing = new Map<string, string>();
  private readonly stopped = new Set<string>();
  /** What each Node says: its kubelet version, whether kwok manages it, whether it is Ready. */
  private readonly nodes = new Map<string, Node>();
  private readonly versions = new Map<string, Promise<string | undefined>>();
  private readonly runtimeVersions = new Map<string, Promise<string | undefined>>();
  private readonly launching = new Map<string, Promise<void>>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly writing = new Set<string>();
  private readonly limit = pLimit(WRITES_AT_ONCE);
  private readonly controller = new AbortController();
  private cluster?: Cluster;
  private lastProblem?: string;

  private machines!: KubeletMachines;

  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
    /** Machines of `sandbox hosts`: a kubelet needs its config.yaml to start, and the runner waits for it. */
    private readonly freshMachines = false,
  ) {}

  /** The nodes' machines (layouts, runtimes, boot), whose runtime changes reach the kubelet through runtimeChanged. */
  useMachines(machines: KubeletMachines): void {
    this.machines = machines;
  }

  private rootfs(node: string): string {
    return sandboxPaths(this.dir).nodeRoot(node);
  }

  /** Tells the node's static-pod runner whether its kubelet runs (the runner of a fresh machine waits for it). */
  private async mark(node: string, started: Started | undefined): Promise<void> {
    const marker = sandboxPaths(this.dir).kubeletStarted(node);
    if (!started) return fs.rm(marker, { force: true });
    await fs.mkdir(path.dirname(marker), { recursive: true });
    await fs.writeFile(marker, `${started.version}\n`);
  }

  async start(node: string): Promise<void> {
    this.stopped.delete(node);
    if (!this.started.has(node)) await this.launch(node);
  }

  async restart(node: string): Promise<void> {
    this.stopped.delete(node);
    await this.launch(node);
  }

  async stop(node: string): Promise<void> {
    this.stopped.add(node);
    this.started.delete(node);
    this.failing.delete(node);
    this.log(`node ${node}: kubelet stopped`);
    await this.mark(node, undefined);
    this.reconcile(node);
  }

  state(node: string): { state: UnitState; detail: string } {
    const started = this.started.get(node);
    if (started) return { state: 'active', detail: `running ${started.version}` };
    if (this.stopped.has(node)) return { state: 'inactive', detail: 'dead' };
    return { state: 'activating', detail: `auto-restart: ${this.failing.get(node) ?? 'starting'}` };
  }

  /** Starts the kubelet from the node's files (or records why it cannot), then brings its Node in line; one start per node at a time. */
  private launch(node: string): Promise<void> {
    const next = (this.launching.get(node) ?? Promise.resolve()).catch(() => undefined).then(() => this.launchNow(node));
    this.launching.set(node, next);
    return next;
  }

  private async launchNow(node: string): Promise<void> {
    const layout = await this.machines.layout(node);
    // A Windows kubelet runs only as the service the SCM was asked to run (a runtime's start does not start it).
    if (!(await this.machines.kubeletWanted(node))) return;
    const files = await readKubeletFiles(this.rootfs(node), layout, (key) => this.binaryVersion(key, layout), this.freshMachines);
    // The kubelet exits at start when it cannot reach a runtime at its CRI endpoint; systemd restarts it.
    const read = 'problem' in files ? files : await this.withRuntime(node, files);
    // A stop that came while the files were read wins: systemd's last job is the one that stands.
    if (this.stopped.has(node)) return;
    if ('problem' in read) {
      this.started.delete(node);
      if (this.failing.get(node) !== read.problem && read.problem !== noKubelet(layout))
        this.log(`node ${node}: kubelet cannot start: ${read.problem} (trying again every ${RESCAN_MS / 1000}s)`);
      this.failing.set(node, read.problem);
    } else {
      this.failing.delete(node);
      this.started.set(node, read);
      this.log(`node ${node}: kubelet ${read.version} started`);
    }
    await this.mark(node, this.started.get(node));
    this.reconcile(node);
  }

  /** The runtime the node's kubelet files select, or why the kubelet cannot use it. */
  private async withRuntime(node: string, files: { version: string; binary: string }): Promise<Started | { problem: string }> {
    const layout = await this.machines.layout(node);
    const root = layout.root(this.rootfs(node));
    const { endpoint } = await kubeletEndpoint(root);
    const runtime = await containerRuntimeVersion(root, this.machines.serving(node, endpoint), (file) => this.runtimeVersion(file, layout));
    return typeof runtime === 'string' ? { ...files, endpoint, runtime } : runtime;
  }

  /**
   * A runtime unit of the node started or stopped: a running kubelet loses its runtime while it is down (its Node
   * NotReady) and reports it again, with what its binary says now, once it is back; one waiting for it starts.
   */
  async runtimeChanged(node: string): Promise<void> {
    const started = this.started.get(node);
    if (!started) return this.stopped.has(node) ? undefined : this.launch(node);
    const now = await this.withRuntime(node, started);
    if ('problem' in now) this.log(`node ${node}: kubelet lost its runtime: ${now.problem}`);
    else if (now.runtime !== started.runtime) this.started.set(node, now);
    this.reconcile(node);
  }

  /** Periodic work, for the agent's timer: connect, start kubelets that are due, follow linked binaries. */
  async tick(): Promise<void> {
    // Kubelets start from their files whether or not the API server answers yet.
    const names = await fs.readdir(path.join(sandboxPaths(this.dir).root, 'nodes')).catch(() => [] as string[]);
    await Promise.all(names.map((name) => this.look(name)));
    try {
      if (!this.cluster) await this.connect();
      this.lastProblem = undefined;
    } catch (err) {
      const problem = (err as Error).message;
      if (problem !== this.lastProblem) this.log(`kubelets: ${problem} (trying again every ${RESCAN_MS / 1000}s)`);
      this.lastProblem = problem;
    }
    // A write that failed (or raced kwok) is tried again here.
    for (const name of this.nodes.keys()) this.reconcile(name);
  }

  startTimer(): NodeJS.Timeout {
    void this.tick();
    return setInterval(() => void this.tick(), RESCAN_MS);
  }

  shutdown(): void {
    this.controller.abort();
    for (const watcher of this.watchers.values()) watcher.close();
  }

  private async look(node: string): Promise<void> {
    // A machine still being equipped has neither all its files nor its units (its kubelet binary may be half
    // copied): nothing runs there yet. Its first look once equipped is its boot: enabled runtime units, then the kubelet.
    if (!(await fs.stat(sandboxPaths(this.dir).machineEquipped(node)).catch(() => undefined))) return;
    // A Windows kubelet is a service bosun registers and starts: until then, nothing runs it.
    if (!(await this.machines.boot(node)) || this.stopped.has(node)) return;
    const layout = await this.machines.layout(node);
    this.watchBinDir(node, layout);
    const started = this.started.get(node);
    if (!started) return this.launch(node);
    const link = await fs.lstat(path.join(layout.root(this.rootfs(node)), layout.binary)).catch(() => undefined);
    if (!link?.isSymbolicLink()) return;
    const now = await readKubeletFiles(this.rootfs(node), layout, (key) => this.binaryVersion(key, layout), this.freshMachines);
    if (!('problem' in now) && now.binary !== started.binary) await this.launch(node);
  }

  private watchBinDir(node: string, layout: KubeletLayout): void {
    if (this.watchers.has(node)) return;
    try {
      const watcher = watch(path.join(layout.root(this.rootfs(node)), path.dirname(layout.binary)), (_event, file) => {
        if (file === path.basename(layout.binary)) void this.look(node);
      });
      watcher.on('error', () => {
        watcher.close();
        this.watchers.delete(node);
      });
      this.watchers.set(node, watcher);
    } catch {
      // No /usr/bin yet: the next scan watches it.
    }
  }

  /** What a binary says it is (`Kubernetes v1.37.1`), asked once per binary (real path, inode, mtime). */
  private binaryVersion(key: string, layout: KubeletLayout): Promise<string | undefined> {
    if (!this.versions.has(key)) {
      // The key is `<real path>:<inode>:<mtime>`; a Windows machine's path has a colon of its own (`…/C:/k/kubelet.exe`).
      const file = key.replace(/:[^:]*:[^:]*$/, '');
      const version = layout.versionOutput(file).then((out) => /\bv\d+\.\d+\.\d+\S*/.exec(out ?? '')?.[0]);
      // A failure is asked again next time: the binary may have been busy (still open for writing) rather than wrong.
      void version.then((v) => v === undefined && this.versions.delete(key));
      this.versions.set(key, version);
    }
    return this.versions.get(key)!;
  }

  /** What a runtime binary prints for `--version`, asked once per file (real path, inode, mtime): a new binary is asked again. */
  private async runtimeVersion(file: string, layout: KubeletLayout): Promise<string | undefined> {
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) return undefined;
    const key = `${file}:${stat.ino}:${stat.mtimeMs}`;
    if (!this.runtimeVersions.has(key)) this.runtimeVersions.set(key, layout.versionOutput(file));
    return this.runtimeVersions.get(key)!;
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
            this.nodes.clear();
            for (const node of event.items) this.nodes.set(node.metadata.name, node);
            for (const node of this.nodes.keys()) this.reconcile(node);
          } else if (event.type === 'DELETED') {
            this.nodes.delete(event.object.metadata.name);
          } else {
            this.nodes.set(event.object.metadata.name, event.object);
            this.reconcile(event.object.metadata.name);
          }
        },
        this.controller.signal,
      )
      .catch((err: Error) => {
        // Connected as soon as admin.conf is written, often before its API server answers: the next tick watches again.
        if (this.cluster === cluster) this.cluster = undefined;
        this.log(`kubelets: the watch of Nodes ended: ${err.message}`);
      });
    this.log("kubelets: each node's Node reports the kubelet started from its files");
  }

  /** Writes the Node when it says other than its kubelet would (one write per node at a time, a few in all). */
  private reconcile(name: string): void {
    const node = this.nodes.get(name);
    if (!this.cluster || !node || this.writing.has(name)) return;
    // A node directory without a kubelet binary (a node joined by hand, not a machine) has no kubelet for the agent to play.
    const failing = this.failing.has(name) && this.failing.get(name) !== noKubelet(this.machines.knownLayout(name));
    const started = this.started.get(name);
    // A kubelet whose runtime went away keeps running, its Node NotReady until the runtime is back.
    const serving = started && this.machines.serving(name, started.endpoint);
    const runtimeDown = serving && 'problem' in serving ? serving.problem : undefined;
    const live = runtimeDown ? undefined : started;
    const write = nodeWrite(node, live, this.stopped.has(name) || failing || runtimeDown !== undefined, runtimeDown);
    if (!write) return;
    this.writing.add(name);
    const cluster = this.cluster;
    void this.limit(async () => {
      try {
        const ref = { apiVersion: 'v1', kind: 'Node', name };
        const annotate = async () => {
          if (write.annotation) await cluster.patch(ref, { metadata: { annotations: { [KWOK_NODE_ANNOTATION]: write.annotation } } });
        };
        // Down: kwok lets go of the Node before it is made NotReady. Up: its new version first, then kwok's Ready.
        if (write.annotateFirst) await annotate();
        if (write.status) await cluster.patch(ref, write.status, { subresource: 'status' });
        if (!write.annotateFirst) await annotate();
        this.log(`node ${name}: ${write.what}`);
      } catch (err) {
        // The Node's next event, or the next scan, tries again.
        return this.log(`node ${name}: cannot write its Node: ${(err as Error).message}`);
      } finally {
        this.writing.delete(name);
      }
    });
  }
}
