/**
 * The runtime units of every sandbox node (containerd, docker, cri-docker and their sockets), as systemd runs
 * them: a unit exists when the node's disk has its unit file; enabled units start when the agent starts (the
 * node boots); starting one checks what the real daemon would refuse: containerd's configuration through the
 * node's own containerd binary (`containerd --config … config dump`), Docker's daemon.json. A unit that fails is
 * `failed`, with the daemon's message, until it is started again.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { parse } from 'smol-toml';
import { run } from './exec.js';
import { containerdCriDisabled } from '../runtime/containerd-config.js';
import { CONTAINERD_CONFIG, DOCKER_DAEMON_JSON } from '../runtime/paths.js';
import { disableUnit, enableUnit, isUnitEnabled, unitFile } from './node-runtime.js';

export type RuntimeUnitState = 'active' | 'inactive' | 'failed';

/** What a running containerd serves, from its dumped configuration. */
interface ContainerdFacts {
  address: string;
  criDisabled: boolean;
}

interface Running {
  containerd?: ContainerdFacts;
}

/** A unit's ExecStart binary whose absence makes it fail as systemd's exec does (cri-dockerd's is not in the sandbox's cache). */
const BINARIES: Record<string, string> = { 'containerd.service': '/usr/bin/containerd', 'docker.service': '/usr/sbin/dockerd' };

const normalSocket = (endpoint: string) => endpoint.replace(/^unix:\/\//, '').replace(/^\/var\/run\//, '/run/');

/** What `containerd config dump` says the daemon would serve: its socket and whether its CRI plugin is off. */
export function containerdFacts(dump: string): ContainerdFacts {
  const config = parse(dump) as { grpc?: { address?: string } };
  return { address: config.grpc?.address || '/run/containerd/containerd.sock', criDisabled: containerdCriDisabled(dump) };
}

/** The runtime behind a CRI endpoint and the binary whose `--version` it reports, or why the kubelet cannot reach one. */
export type Serving = { runtime: 'containerd' | 'docker'; binary: string } | { problem: string };

export class RuntimeUnits {
  private readonly running = new Map<string, Map<string, Running>>();
  private readonly failed = new Map<string, Map<string, string>>();
  private readonly booted = new Set<string>();
  /** containerd processes at once: a sandbox of many nodes boots them all when its agent starts. */
  private readonly limit = pLimit(4);

  constructor(
    private readonly rootfs: (node: string) => string,
    private readonly log: (line: string) => void,
    /** Called after a unit of the node started or stopped (the kubelet notices its runtime). */
    private readonly changed: (node: string) => void,
  ) {}

  private units(node: string): Map<string, Running> {
    if (!this.running.has(node)) this.running.set(node, new Map());
    return this.running.get(node)!;
  }

  private failures(node: string): Map<string, string> {
    if (!this.failed.has(node)) this.failed.set(node, new Map());
    return this.failed.get(node)!;
  }

  async exists(node: string, unit: string): Promise<boolean> {
    return (await unitFile(this.rootfs(node), unit)) !== undefined;
  }

  isEnabled(node: string, unit: string): Promise<boolean> {
    return isUnitEnabled(this.rootfs(node), unit);
  }

  async enable(node: string, unit: string, on: boolean): Promise<void> {
    await (on ? enableUnit : disableUnit)(this.rootfs(node), unit);
  }

  state(node: string, unit: string): { state: RuntimeUnitState; detail: string } {
    if (this.units(node).has(unit)) return { state: 'active', detail: 'running' };
    const failure = this.failures(node).get(unit);
    return failure === undefined ? { state: 'inactive', detail: 'dead' } : { state: 'failed', detail: failure };
  }

  /** Starts the unit (a running one stays); rejects with the daemon's message when it would not start. */
  async start(node: string, unit: string): Promise<void> {
    try {
      await this.startUnit(node, unit);
    } finally {
      this.changed(node);
    }
  }

  private async startUnit(node: string, unit: string): Promise<void> {
    if (this.units(node).has(unit)) return;
    let running: Running;
    try {
      running = await this.check(node, unit);
    } catch (err) {
      const message = (err as Error).message;
      this.failures(node).set(unit, message);
      this.log(`node ${node}: ${unit} failed: ${message}`);
      throw err;
    }
    this.failures(node).delete(unit);
    this.units(node).set(unit, running);
    this.log(`node ${node}: ${unit} started`);
  }

  async stop(node: string, unit: string): Promise<void> {
    const was = this.units(node).delete(unit);
    this.failures(node).delete(unit);
    if (was) this.log(`node ${node}: ${unit} stopped`);
    this.changed(node);
  }

  async restart(node: string, unit: string): Promise<void> {
    await this.stop(node, unit);
    await this.start(node, unit);
  }

  /** The node's boot, once per agent: every enabled runtime unit is started (one that fails stays failed); its kubelet starts after. */
  async boot(node: string, units: readonly string[]): Promise<void> {
    if (this.booted.has(node)) return;
    this.booted.add(node);
    for (const unit of units)
      if ((await this.exists(node, unit)) && (await this.isEnabled(node, unit))) await this.startUnit(node, unit).catch(() => undefined);
  }

  /** What the daemon itself would refuse at start; returns what it then serves. */
  private async check(node: string, unit: string): Promise<Running> {
    const rootfs = this.rootfs(node);
    const binary = BINARIES[unit];
    if (binary && !(await fs.stat(path.join(rootfs, binary)).catch(() => undefined))) throw new Error(`${binary}: No such file or directory`);
    if (unit === 'containerd.service') {
      // The node's own containerd reads its files as it would at start, chrooted so the files config.toml imports
      // are the node's (an absent config.toml means its defaults).
      const hasConfig = await fs.stat(path.join(rootfs, CONTAINERD_CONFIG)).catch(() => undefined);
      const args = [rootfs, binary, ...(hasConfig ? ['--config', CONTAINERD_CONFIG, 'config', 'dump'] : ['config', 'default'])];
      const dump = await this.limit(() => run('chroot', args)).catch((err: Error) => {
        const lines = err.message.split('\n').slice(1);
        throw new Error(lines.filter((l) => l.startsWith('containerd:')).join('\n') || lines.join('\n'));
      });
      return { containerd: containerdFacts(dump) };
    }
    if (unit === 'docker.service') {
      // docker.service wants containerd.service (Docker's backend): dockerd cannot start without it.
      if (await this.exists(node, 'containerd.service'))
        await this.startUnit(node, 'containerd.service').catch(() => {
          throw new Error('failed to dial "/run/containerd/containerd.sock": connection refused (containerd.service failed)');
        });
      const text = await fs.readFile(path.join(rootfs, DOCKER_DAEMON_JSON), 'utf8').catch(() => undefined);
      try {
        if (text !== undefined) JSON.parse(text);
      } catch (err) {
        // dockerd 20.10 has no --validate: its own words for a daemon.json it cannot read.
        throw new Error(`unable to configure the Docker daemon with file ${DOCKER_DAEMON_JSON}: ${(err as Error).message}`, { cause: err });
      }
    }
    return {};
  }

  /** Which running runtime serves the kubelet's CRI endpoint, as the kubelet finds out when it connects. */
  serving(node: string, endpoint: string): Serving {
    const socket = normalSocket(endpoint);
    const units = this.units(node);
    const unavailable = {
      problem: `validate CRI v1 runtime API for endpoint "${endpoint}": connection error: dial unix ${socket}: connect: no such file or directory`,
    };
    const containerd = units.get('containerd.service')?.containerd;
    if (containerd && normalSocket(containerd.address) === socket) {
      if (containerd.criDisabled)
        return {
          problem: `validate CRI v1 runtime API for endpoint "${endpoint}": rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService`,
        };
      return { runtime: 'containerd', binary: '/usr/bin/containerd' };
    }
    if (socket === '/run/cri-dockerd.sock' && (units.has('cri-docker.socket') || units.has('cri-docker.service'))) {
      if (!units.has('docker.service'))
        return { problem: `cri-dockerd at ${endpoint}: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?` };
      return { runtime: 'docker', binary: '/usr/sbin/dockerd' };
    }
    return unavailable;
  }
}
