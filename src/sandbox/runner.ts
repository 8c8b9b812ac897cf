import { existsSync, readFileSync, statSync, watch, promises as fs, type FSWatcher } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import path from 'node:path';
import { MANIFESTS_DIR } from '../kube/paths.js';
import { ETCD, kubernetesArtifact, locateBinary, type Artifact } from './binaries.js';
import { Container, type ContainerPlan } from './container.js';
import type { PodReport } from './mirror.js';
import { MirrorSync } from './mirror-sync.js';
import { writeJsonAtomic } from './state.js';
import { imageComponent, isManifestFile, mapArgs, parseStaticPod, pathMappings, pathsToCreate, type PodManifest, type StaticPod } from './static-pod.js';
import { KUBERNETES_COMMANDS } from './wrapper.js';

/*
 * The runner plays the kubelet's part for static pods on one sandbox node. It runs inside the node's
 * network namespace (so do the processes it starts, its probes and its kubelet /healthz), and runs
 * each container as a plain host process of the binary its image names.
 *
 * Host paths: a container sees a volume's hostPath at its mountPath. Rather than a private mount
 * namespace with bind mounts, which needs the mount points to exist on the real host (/etc/kubernetes,
 * /var/lib/etcd: created there, or shadowing a real node's), the runner rewrites the command line:
 * every path under a mountPath becomes <rootfs>/<hostPath>/…. The host stays untouched, processes show
 * their real files (`ps`, logs), and several nodes share one machine. The cost: paths inside files that
 * a flag names (a kubeconfig's certificate-authority, a --config file) are not rewritten; kubeadm's
 * manifests and kubeconfigs embed their certificates, so none are needed.
 */

/** What one node's runner needs to know; `up` passes it through the sandbox state. */
export interface RunnerConfig {
  node: string;
  /** The node's filesystem: `/etc/kubernetes/manifests` is read from under it, host paths are mapped into it. */
  rootfs: string;
  /** The node's address: pod IP of its host-network pods, and its Node's InternalIP. */
  address: string;
  kubeletVersion: string;
  logDir: string;
  /** Where `pods.json` (the runner's view of its pods) is written for `bosun sandbox status`. */
  runDir: string;
  binDir?: string;
  /** On a fresh machine: the file that appears once the node's kubelet started; until then no pod runs. */
  kubeletStarted?: string;
}

/** How often the manifests are read again besides file events (the kubelet's file source also rescans). */
const RESCAN_MS = 5_000;
/** How often mirror Pods are checked against the API even when nothing changed locally. */
const MIRROR_RESYNC_MS = 10_000;
const MIRROR_RETRY_MS = 1_000;
/** The kubelet's healthz endpoint (its config's healthzBindAddress and healthzPort defaults). */
const KUBELET_HEALTHZ = { host: '127.0.0.1', port: 10248 };

/**
 * The binary that plays an image: a Kubernetes component at the image's tag, or the sandbox's one etcd
 * whatever the etcd image's tag (kubeadm's etcd versions are not all released; the sandbox pins one).
 */
async function binaryFor(image: string, binDir?: string): Promise<{ path?: string; missing?: string }> {
  const { component, tag } = imageComponent(image);
  let artifact: Artifact | undefined;
  if (component === 'etcd') artifact = ETCD;
  else if ((KUBERNETES_COMMANDS as readonly string[]).includes(component) && /^v1\.\d+\.\d+$/.test(tag)) artifact = kubernetesArtifact(tag);
  if (!artifact) {
    return {
      missing: `image ${image}: the sandbox runs only Kubernetes control-plane images (kube-apiserver, kube-controller-manager, kube-scheduler at v1.X.Y) and etcd`,
    };
  }
  const found = await locateBinary(artifact, component, binDir);
  if (found) return { path: found };
  const hint = artifact.component === 'kubernetes' ? ` --version ${artifact.version}` : '';
  return { missing: `image ${image}: ${component} ${artifact.version} is not built; run "bosun sandbox binaries${hint}"` };
}

/** One static pod's running containers. */
class RunningPod {
  readonly seen = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  containers: Container[] = [];

  constructor(readonly manifest: StaticPod & { pod: PodManifest }) {}

  async start(cfg: RunnerConfig, onChange: () => void, log: (line: string) => void): Promise<void> {
    const { pod } = this.manifest;
    for (const p of pathsToCreate(pod, cfg.rootfs)) {
      if (p.kind === 'directory') await fs.mkdir(p.path, { recursive: true });
      else await fs.mkdir(path.dirname(p.path), { recursive: true }).then(() => fs.appendFile(p.path, ''));
    }
    for (const spec of pod.spec.containers) {
      const binary = await binaryFor(spec.image, cfg.binDir);
      const mappings = pathMappings(pod, spec, cfg.rootfs);
      const [, ...commandArgs] = spec.command ?? [];
      const plan: ContainerPlan = {
        pod: pod.metadata.name,
        name: spec.name,
        image: spec.image,
        argv: binary.path ? [binary.path, ...mapArgs([...commandArgs, ...(spec.args ?? [])], mappings)] : undefined,
        missing: binary.missing,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...Object.fromEntries((spec.env ?? []).map((e) => [e.name, e.value ?? ''])) },
        logFile: path.join(cfg.logDir, `${spec.name}.log`),
        podIP: cfg.address,
        ports: (spec.ports as ContainerPlan['ports']) ?? [],
        probes: { startup: spec.startupProbe, readiness: spec.readinessProbe, liveness: spec.livenessProbe },
        restartPolicy: pod.spec.restartPolicy ?? 'Always',
        terminationGraceMs: ((pod.spec.terminationGracePeriodSeconds as number | undefined) ?? 30) * 1000,
      };
      const container = new Container(plan, onChange, log);
      this.containers.push(container);
      container.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.containers.map((c) => c.stop()));
  }

  /** Waiting for a binary that was not built when the pod started (the kubelet retries image pulls too). */
  async binaryArrived(binDir?: string): Promise<boolean> {
    const waiting = this.containers.filter((c) => c.status.reason === 'ErrImagePull');
    if (waiting.length === 0) return false;
    return (await Promise.all(waiting.map((c) => binaryFor(c.status.image, binDir)))).every((b) => b.path);
  }

  report(): PodReport {
    const { file, hash, pod } = this.manifest;
    return { file, hash, seen: this.seen, pod, containers: this.containers.map((c) => ({ ...c.status })) };
  }
}

/**
 * Plays the kubelet's part for static pods on one node: runs each manifest's containers as processes,
 * replaces them when the manifest changes, stops them when it goes, and mirrors them in the API.
 */
export class StaticPodRunner {
  private pods = new Map<string, RunningPod>();
  private invalid = new Map<string, StaticPod>();
  private queue: Promise<void> = Promise.resolve();
  private watcher?: FSWatcher;
  private timers: NodeJS.Timeout[] = [];
  private health?: http.Server;
  private statusTimer?: NodeJS.Timeout;
  private syncing: Promise<void> = Promise.resolve();
  private retry?: NodeJS.Timeout;
  private readonly mirrors: MirrorSync;
  private kubeletSeen = false;
  private readonly manifestsDir: string;

  constructor(
    private readonly cfg: RunnerConfig,
    private readonly log: (line: string) => void,
  ) {
    this.manifestsDir = path.join(cfg.rootfs, MANIFESTS_DIR);
    this.mirrors = new MirrorSync(cfg.rootfs, { name: cfg.node, address: cfg.address, kubeletVersion: cfg.kubeletVersion }, log);
  }

  async start(): Promise<void> {
    await fs.mkdir(this.manifestsDir, { recursive: true });
    await this.stopLeftovers();
    await this.serveHealthz();
    // Files are written by rename: an event names a file, and a rescan reads them all.
    this.watcher = watch(this.manifestsDir, () => this.reconcile());
    this.timers.push(setInterval(() => this.reconcile(), RESCAN_MS));
    this.timers.push(setInterval(() => this.changed(), MIRROR_RESYNC_MS));
    this.reconcile();
    await this.queue;
  }

  /** Stops every container (SIGTERM, then SIGKILL after the pod's grace period) and the runner's own servers. */
  async stop(): Promise<void> {
    this.watcher?.close();
    for (const t of this.timers) clearInterval(t);
    await this.queue;
    // etcd last: an API server shutting down without its storage waits out its whole grace period.
    const isStorage = (p: RunningPod) => p.manifest.pod.spec.containers.some((c) => imageComponent(c.image).component === 'etcd');
    const pods = [...this.pods.values()];
    await Promise.all(pods.filter((p) => !isStorage(p)).map((p) => p.stop()));
    await Promise.all(pods.filter(isStorage).map((p) => p.stop()));
    this.pods.clear();
    clearTimeout(this.statusTimer);
    await this.syncing;
    clearTimeout(this.retry);
    await this.writeStatus();
    await new Promise<void>((resolve) => (this.health ? this.health.close(() => resolve()) : resolve()));
  }

  /**
   * Containers of a runner that died without stopping them still hold their ports: stop them (the ones
   * its pods.json names that still run in this node's network namespace) before starting anew.
   */
  private async stopLeftovers(): Promise<void> {
    const file = path.join(this.cfg.runDir, 'pods.json');
    const previous = await fs.readFile(file, 'utf8').then(
      (t) => JSON.parse(t) as { pods: PodReport[] },
      () => undefined,
    );
    const ownNetns = statSync('/proc/self/ns/net').ino;
    for (const pid of previous?.pods.flatMap((p) => p.containers.map((c) => c.pid)) ?? []) {
      try {
        if (!pid || statSync(`/proc/${pid}/ns/net`).ino !== ownNetns) continue;
        process.kill(-pid, 'SIGKILL');
        this.log(`stopped pid ${pid}, left by an earlier runner`);
        // Its ports are free once it has exited (an orphan stays a zombie until init reaps it).
        while (/^\d+ \(.*\) [^Z] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) await sleep(20);
      } catch {
        // gone already
      }
    }
  }

  /** Queues a full rescan; rescans never overlap. */
  reconcile(): Promise<void> {
    this.queue = this.queue.then(() => this.rescan()).catch((err) => this.log(`rescan failed: ${(err as Error).message}`));
    return this.queue;
  }

  private async rescan(): Promise<void> {
    // A kubelet runs static pods once it runs; after that, a stopped kubelet leaves its containers running.
    if (this.cfg.kubeletStarted && !this.kubeletSeen) {
      if (!existsSync(this.cfg.kubeletStarted)) return;
      this.kubeletSeen = true;
      this.log('the kubelet started: running static pods');
    }
    const files = (await fs.readdir(this.manifestsDir).catch(() => [] as string[])).filter(isManifestFile).sort();
    const found = new Map<string, StaticPod>();
    for (const file of files) {
      const content = await fs.readFile(path.join(this.manifestsDir, file), 'utf8').catch(() => undefined);
      if (content !== undefined) found.set(file, parseStaticPod(file, content));
    }
    let changed = false;
    for (const [file, running] of this.pods) {
      const next = found.get(file);
      const arrived = next?.hash === running.manifest.hash && (await running.binaryArrived(this.cfg.binDir));
      if (next?.hash === running.manifest.hash && !arrived) continue;
      this.log(
        arrived
          ? `${file}: its image's binary is there now, starting its pod`
          : next
            ? `${file}: manifest changed, restarting its pod`
            : `${file}: manifest removed, stopping its pod`,
      );
      this.pods.delete(file);
      await running.stop();
      changed = true;
    }
    for (const [file, manifest] of found) {
      if (this.pods.has(file)) continue;
      if (manifest.error !== undefined) {
        if (this.invalid.get(file)?.hash !== manifest.hash) this.log(`${manifest.error} (not started)`);
        this.invalid.set(file, manifest);
        changed = true;
        continue;
      }
      this.invalid.delete(file);
      const pod = new RunningPod(manifest);
      this.pods.set(file, pod);
      this.log(`${file}: starting pod ${manifest.pod.metadata.name}`);
      await pod.start(this.cfg, () => this.changed(), this.log);
      changed = true;
    }
    for (const file of this.invalid.keys()) if (!found.has(file)) this.invalid.delete(file);
    if (changed) this.changed();
  }

  reports(): PodReport[] {
    const running = [...this.pods.values()].map((p) => p.report());
    const invalid = [...this.invalid.values()].map((m): PodReport => ({ file: m.file, hash: m.hash, seen: '', error: m.error, containers: [] }));
    return [...running, ...invalid].sort((a, b) => a.file.localeCompare(b.file));
  }

  /** Something changed: write pods.json and sync mirror Pods soon (changes come in bursts). */
  private changed(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      // One write and sync at a time, each with the reports of when it starts.
      this.syncing = this.syncing.then(async () => {
        await this.writeStatus();
        // A failed sync (the API server still starting) is tried again soon, not at the next resync.
        if (await this.mirrors.sync(this.reports())) return;
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.changed(), MIRROR_RETRY_MS);
      });
    }, 200);
  }

  private async writeStatus(): Promise<void> {
    await writeJsonAtomic(path.join(this.cfg.runDir, 'pods.json'), { node: this.cfg.node, updated: new Date().toISOString(), pods: this.reports() });
  }

  /** The kubelet's /healthz, so anything that checks the kubelet (as kubeadm's wait-control-plane does) finds one. */
  private serveHealthz(): Promise<void> {
    this.health = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'));
    return new Promise((resolve) => {
      this.health!.once('error', (err) => {
        this.log(`kubelet healthz: cannot listen on ${KUBELET_HEALTHZ.host}:${KUBELET_HEALTHZ.port}: ${err.message}`);
        resolve();
      });
      this.health!.listen(KUBELET_HEALTHZ.port, KUBELET_HEALTHZ.host, () => resolve());
    });
  }
}
