/**
 * `bosun upgrade apply` killed with SIGKILL, then run again with the same arguments, converges at once: on a
 * sandbox control plane at the older pinned minor, each cycle kills the upgrade at a chosen moment (while etcd,
 * the API server, the controller-manager or the scheduler restarts on its new manifest, or at a random progress
 * event) after a random delay, then kills the run that resumes it at the next such moment, then runs it once more.
 * That run says it resumes, and leaves every static Pod at the new version on its new mirror Pod, no journal, and
 * one set of backups holding the manifests the node ran before the cycle. Between cycles the control plane goes
 * back to the older version (etcd, upgraded once, stays). Kill points are reproducible from RESUME_SEED.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestHash } from '../../src/sandbox/static-pod.js';
import type { SandboxState } from '../../src/sandbox/state.js';
import { PINNED_KUBERNETES_VERSIONS } from '../../src/versions/pinned.js';
import { random } from '../support/roll-crash.js';
import { BOSUN, runCommand, startSandbox, type CliResult, type Sandbox } from '../support/sandbox.js';

const [OLD, NEW] = PINNED_KUBERNETES_VERSIONS;
const CONTROL_PLANE = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const COMPONENTS = ['etcd', ...CONTROL_PLANE];
const LONG = 1_800_000;
const SEED = Number(process.env.RESUME_SEED ?? Date.now() % 1_000_000);
const JOURNAL = 'etc/kubernetes/tmp/bosun-upgrade-apply.json';

interface ProgressEvent {
  type: string;
  path: string;
  line?: string;
  error?: string;
}

/** When to kill: at the first progress event `at` accepts, after `delayMs`. */
interface KillPoint {
  name: string;
  at: (event: ProgressEvent, index: number) => boolean;
  delayMs: number;
}

/** The moment a component's new manifest is in place: the kubelet is about to restart it. */
const restarting = (component: string) => (e: ProgressEvent) =>
  e.type === 'log' && (e.line ?? '').startsWith(`[upgrade/staticpods] Moving new manifest to "/etc/kubernetes/manifests/${component}.yaml"`);

describe(`bosun upgrade apply ${NEW}, killed and run again, on a control plane at ${OLD}`, () => {
  let sandbox: Sandbox;
  let rootfs: string;
  let netns: string;
  const next = random(SEED);

  const manifestFile = (c: string) => path.join(rootfs, 'etc/kubernetes/manifests', `${c}.yaml`);
  const manifest = (c: string) => readFileSync(manifestFile(c), 'utf8');
  const tmp = () => path.join(rootfs, 'etc/kubernetes/tmp');
  const backupDirs = () => (existsSync(tmp()) ? readdirSync(tmp()).filter((d) => d.startsWith('kubeadm-backup-manifests-')) : []);
  const argv = (...args: string[]) => ['ip', 'netns', 'exec', netns, process.execPath, BOSUN, 'upgrade', ...args, '--rootfs', rootfs];
  const apply = (...args: string[]): Promise<CliResult> => runCommand(argv('apply', ...args));

  /** `upgrade apply NEW --yes --progress json`, killed with SIGKILL at `kill`; resolves to the events seen and whether it died. */
  function applyKilled(kill: KillPoint): Promise<{ killed: boolean; code: number | null; events: ProgressEvent[] }> {
    return new Promise((resolve, reject) => {
      const [cmd, ...args] = argv('apply', NEW, '--yes', '--progress', 'json');
      const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      const events: ProgressEvent[] = [];
      let pending = '';
      let armed = false;
      child.stderr.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          if (!line.startsWith('{')) continue;
          const event = JSON.parse(line) as ProgressEvent;
          events.push(event);
          if (!armed && kill.at(event, events.length - 1)) {
            armed = true;
            setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
          }
        }
      });
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ killed: signal === 'SIGKILL', code, events }));
    });
  }

  const kubectl = (...args: string[]) => sandbox.kubectlOk(...args);
  const mirror = async (c: string) => JSON.parse(await kubectl('-n', 'kube-system', 'get', 'pod', `${c}-control-plane`, '-o', 'json'));
  const serverVersion = async () => JSON.parse(await kubectl('get', '--raw', '/version')).gitVersion as string;

  /** Whether every component runs the manifest on disk (mirror Pod hash) and is Ready, the API server at `version`. */
  async function settledAt(version: string): Promise<string | true> {
    try {
      if ((await serverVersion()) !== version) return `the API server is not at ${version} yet`;
      for (const c of COMPONENTS) {
        const pod = await mirror(c);
        if (pod.metadata.annotations['kubernetes.io/config.hash'] !== manifestHash(manifest(c))) return `${c} does not run its manifest yet`;
        if (!pod.status.conditions?.some((x: { type: string; status: string }) => x.type === 'Ready' && x.status === 'True')) return `${c} is not Ready`;
      }
      return true;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async function waitSettled(version: string): Promise<void> {
    const deadline = Date.now() + 300_000;
    let last: string | true = 'not looked yet';
    while (Date.now() < deadline && (last = await settledAt(version)) !== true) await sleep(1_000);
    expect(last, `control plane at ${version}`).toBe(true);
  }

  /** The ClusterConfiguration stored in kubeadm-config, edited by `edit`. */
  async function editClusterConfiguration(edit: (text: string) => string): Promise<void> {
    const cm = JSON.parse(await kubectl('-n', 'kube-system', 'get', 'configmap', 'kubeadm-config', '-o', 'json'));
    cm.data.ClusterConfiguration = edit(cm.data.ClusterConfiguration);
    const file = path.join(sandbox.dir, 'kubeadm-config.json');
    writeFileSync(file, JSON.stringify(cm));
    await kubectl('replace', '-f', file);
  }

  /** Back to OLD for the next cycle: the control plane's manifests of before (etcd keeps its newer one). */
  async function backToOld(before: Map<string, string>): Promise<void> {
    await editClusterConfiguration((text) => text.replace(/^kubernetesVersion: .*$/m, `kubernetesVersion: ${OLD}`));
    for (const c of CONTROL_PLANE) writeFileSync(manifestFile(c), before.get(c)!);
    await waitSettled(OLD);
  }

  beforeAll(async () => {
    console.log(`upgrade-apply-resume: RESUME_SEED=${SEED}`);
    sandbox = await startSandbox({ version: OLD });
    const state = JSON.parse(readFileSync(path.join(sandbox.dir, 'state.json'), 'utf8')) as SandboxState;
    netns = state.nodes.find((n) => n.name === 'control-plane')!.network!.netns;
    rootfs = path.join(sandbox.dir, 'nodes/control-plane');
  }, LONG);

  afterAll(async () => {
    if (sandbox && existsSync(sandbox.dir)) await sandbox.down();
  });

  /** The other version is refused while the interrupted run waits to be resumed, and nothing changes. */
  async function refusesAnotherVersion(): Promise<void> {
    const manifests = COMPONENTS.map(manifest);
    const other = await apply('v1.37.0', '--yes');
    expect(other.code, other.stderr).toBe(3);
    expect(other.stderr).toContain(`an "upgrade apply ${NEW}" of this node was interrupted`);
    expect(other.stderr).toContain(`finish it first with "bosun upgrade apply ${NEW}", then upgrade to v1.37.0`);
    expect(COMPONENTS.map(manifest)).toEqual(manifests);
  }

  /**
   * One cycle: a run killed at each of `kills` in turn (each run after the first resumes the one before; one that
   * `mustDie` has to reach its kill point), then the plain re-run converges; `between` runs before it. The control
   * plane goes back to OLD unless it is the last cycle.
   */
  async function cycle(kills: Array<KillPoint & { mustDie?: boolean }>, opts: { between?: () => Promise<void>; last?: boolean } = {}): Promise<void> {
    const before = new Map(COMPONENTS.map((c) => [c, manifest(c)]));
    const backupsBefore = new Set(backupDirs());
    for (const kill of kills) {
      const run = await applyKilled(kill);
      const seen = run.events.filter((e) => e.type === 'started').map((e) => e.path);
      console.log(
        `upgrade-apply-resume: ${kill.name} (+${kill.delayMs} ms): ${run.killed ? 'killed' : `exited ${run.code}`} after ${seen.at(-1) ?? 'no phase'}`,
      );
      if (kill.mustDie) expect(run.killed, `${kill.name}: ${run.events.findLast((e) => e.type === 'failed')?.error ?? ''}`).toBe(true);
      if (!run.killed) expect(run.code, kill.name).toBe(0);
      if (run.killed && run.events.some(restarting('etcd'))) expect(existsSync(path.join(rootfs, JOURNAL)), 'the journal of the killed run').toBe(true);
    }
    await opts.between?.();
    const interrupted = existsSync(path.join(rootfs, JOURNAL));
    const result = await apply(NEW, '--yes');
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    if (interrupted) {
      expect(result.stdout).toContain(`[upgrade/resume] Resuming the interrupted "upgrade apply ${NEW}" of this node`);
      expect(result.stdout).toMatch(/\[upgrade\/resume\] Waiting up to \S+ for the API server of \S+ to answer \/readyz/);
    }
    expect(result.stdout).toContain(`[upgrade] SUCCESS! A control plane node of your cluster was upgraded to "${NEW}".`);

    await waitSettled(NEW);
    for (const c of CONTROL_PLANE) expect(manifest(c), c).toContain(`image: registry.k8s.io/${c}:${NEW}`);
    expect(manifest('etcd')).toContain('image: registry.k8s.io/etcd:3.7.0-0');
    expect(existsSync(path.join(rootfs, JOURNAL)), 'no journal left').toBe(false);
    const config = await kubectl('-n', 'kube-system', 'get', 'configmap', 'kubeadm-config', '-o', 'jsonpath={.data.ClusterConfiguration}');
    expect(config).toContain(`kubernetesVersion: ${NEW}`);

    // One set of backups for the cycle, however often it was killed: each the manifest the node ran before it.
    const added = backupDirs().filter((d) => !backupsBefore.has(d));
    expect(added).toHaveLength(1);
    const changed = COMPONENTS.filter((c) => before.get(c) !== manifest(c));
    expect(readdirSync(path.join(tmp(), added[0])).sort()).toEqual(changed.map((c) => `${c}.yaml`));
    for (const c of changed) expect(readFileSync(path.join(tmp(), added[0], `${c}.yaml`), 'utf8'), `backup of ${c}`).toBe(before.get(c));

    if (!opts.last) await backToOld(before);
  }

  /** Killed while `component` restarts on its new manifest, within `maxDelayMs` of the manifest moving. */
  const whileRestarting = (component: string, maxDelayMs: number) => ({
    name: `while ${component} restarts`,
    at: restarting(component),
    delayMs: Math.floor(next() * maxDelayMs),
    mustDie: true,
  });

  it(
    'converges after a kill while etcd restarts, resumed and killed again while the API server restarts; another version is refused meanwhile',
    async () => {
      await cycle([whileRestarting('etcd', 1_500), whileRestarting('kube-apiserver', 4_000)], { between: refusesAnotherVersion });
    },
    LONG,
  );

  it(
    'converges after a kill while the controller-manager restarts, resumed and killed again while the scheduler restarts',
    async () => {
      // etcd, upgraded in the first cycle, stays at its newer version: these runs change the other three.
      await cycle([whileRestarting('kube-controller-manager', 1_500), whileRestarting('kube-scheduler', 1_500)]);
    },
    LONG,
  );

  it(
    'converges after kills at random progress events, the resumed run killed again',
    async () => {
      // A whole run reports about 40 events: most kills land inside it, some after it ended.
      const randomKill = (name: string): KillPoint => {
        const index = Math.floor(next() * 50);
        return { name: `${name}: at event ${index}`, at: (_e, i) => i >= index, delayMs: Math.floor(next() * 500) };
      };
      await cycle([randomKill('first run'), randomKill('resumed run')], { last: true });
    },
    LONG,
  );
});
