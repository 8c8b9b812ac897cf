/**
 * `bosun apply`'s changes, in order: the kubelet where a Linux host lacks one, Windows hosts prepared, init's phases on the first control-plane
 * host, the run's bootstrap token (made by init, or created for a cluster that exists), control-plane hosts joined
 * one at a time (upload-certs / certificate key), workers joined in parallel, the token deleted, every Node Ready.
 * Every host is reached through its own Host door; the phases are init's and join's, unchanged.
 */
import pLimit from 'p-limit';
import type { Cluster } from '../../cluster/cluster.js';
import { DEFAULTS } from '../../config/defaults.js';
import type { InitConfig } from '../../config/types.js';
import { UserError } from '../../errors.js';
import type { Host } from '../../host/host.js';
import type { Node } from '../../kube/workloads.js';
import { caCertHash } from '../../pki/ca-hash.js';
import { KeyPool } from '../../pki/key-pool.js';
import { rfc3339, tokenSecret } from '../../tokens/secret.js';
import { openDoors, type Doors } from '../../workflow/doors.js';
import { runWorkflow } from '../../workflow/run.js';
import type { InitContext } from '../init/context.js';
import { initPhases } from '../init/phases.js';
import { joinPhases } from '../join/phases.js';
import { ADMIN_CONF, createJoinContext } from '../join/session.js';
import { kubeletInstaller, type KubeletDownloads } from '../upgrade/nodes/kubelet-binary.js';
import { windowsKubeletSource } from '../../node/windows-kubelet-binary.js';
import { powerShellHost } from '../../node/windows-powershell.js';
import { prepareWindowsNode } from '../../node/windows-prepare.js';
import { apiServerEndpoint, hostFacts, joinConfigFor, RUN_TOKEN_DESCRIPTION, type RunSecrets } from './configs.js';
import { JournalWriter } from './journal.js';
import { preparesWindows, type ApplyPlan, type HostPlan } from './plan.js';
import { deleteRunTokens } from './resume.js';
import type { ClusterDefinition } from '../../inventory/cluster.js';
import type { ApplyProgress, StepOutput } from './progress.js';
import type { SurveyedHost } from './survey.js';

const READY_TIMEOUT_MS = 5 * 60_000;
const TOKEN_LIFETIME_MS = 60 * 60_000;

export interface ApplyRun {
  def: ClusterDefinition;
  plan: ApplyPlan;
  surveyed: Map<string, SurveyedHost>;
  /** The leader's InitConfiguration (init runs from it; upload-certs reads it). */
  leaderConfig: InitConfig;
  secrets: RunSecrets;
  version: string;
  parallel: number;
  /** The operator's machine: where kubelet.from files are read. */
  local: Host;
  downloads: KubeletDownloads;
  /** Each host's steps, their events and times. */
  progress: ApplyProgress;
  signal?: AbortSignal;
}

/** A Windows host about to join is prepared first (kubelet.exe, directories, service, firewall): only what it lacks. */
async function prepareWindowsHost(run: ApplyRun, h: HostPlan, log: (line: string) => void): Promise<void> {
  const host = powerShellHost(run.surveyed.get(h.host.name)!.node, `host ${h.host.name}`);
  const kubelet = windowsKubeletSource(h.host.name, h.host.kubelet, run.version, run.local, run.downloads);
  await prepareWindowsNode({ host, nodeName: h.host.name, kubelet }, log);
}

/** Windows hosts that join: prepared in parallel. */
async function prepareWindowsHosts(run: ApplyRun): Promise<void> {
  const limit = pLimit(run.parallel);
  await Promise.all(
    run.plan.hosts.filter(preparesWindows).map((h) => limit(() => run.progress.step(h.host.name, 'prepare', ({ log }) => prepareWindowsHost(run, h, log)))),
  );
}

/** Linux hosts without a kubelet get one, as their install choice says. */
async function installKubelets(run: ApplyRun): Promise<void> {
  const limit = pLimit(run.parallel);
  await Promise.all(
    run.plan.hosts
      .filter((h) => h.installKubelet && h.host.os !== 'windows')
      .map((h) =>
        limit(() =>
          run.progress.step(h.host.name, 'kubelet', ({ log }) =>
            kubeletInstaller(h.host.kubelet, run.local, run.downloads).install(run.surveyed.get(h.host.name)!.node, run.version, (line) =>
              log(line.replace('[upgrade/kubelet] ', '[kubelet-install] ')),
            ),
          ),
        ),
      ),
  );
}

/** Init's phases to skip; an interrupted init is finished without preflight (its own files and ports are in use). */
function initSkip(run: ApplyRun): string[] {
  const resumed = run.plan.hosts.some((h) => h.action === 'init' && h.resumed);
  return ['show-join-command', ...(resumed ? ['preflight'] : []), ...(run.leaderConfig.init.skipPhases ?? [])];
}

function leaderContext(run: ApplyRun, doors: Doors, uploadCerts: boolean): InitContext {
  const leader = run.surveyed.get(run.plan.leader.name)!;
  return {
    cfg: run.leaderConfig,
    host: doors.host,
    options: { ignorePreflightErrors: new Set(), uploadCerts, skipTokenPrint: true, skipCertificateKeyPrint: true, kubeconfigPath: ADMIN_CONF },
    keys: new KeyPool(),
    cluster: doors.cluster,
    machine: leader.machine,
  };
}

/** The run's token in a cluster that exists (init makes it in a new one), usable for an hour at most. */
async function createRunToken(cluster: Cluster, secrets: RunSecrets): Promise<void> {
  const token = { token: secrets.token, description: RUN_TOKEN_DESCRIPTION, usages: [...DEFAULTS.tokenUsages], groups: [...DEFAULTS.tokenGroups] };
  await cluster.apply(tokenSecret(token, rfc3339(new Date(Date.now() + TOKEN_LIFETIME_MS))));
}

/** Joins the host, journaled from before its first phase to after its last; an interrupted join is finished without preflight. */
async function joinHost(
  run: ApplyRun,
  journal: JournalWriter,
  plan: HostPlan,
  cluster: { endpoint: string; caCertHash: string },
  { sink }: StepOutput,
): Promise<void> {
  const surveyed = run.surveyed.get(plan.host.name)!;
  const cfg = joinConfigFor(run.def, plan.host, hostFacts(plan.host, surveyed.machine), run.secrets, cluster);
  const doors = openDoors({ kubeconfig: ADMIN_CONF }, surveyed.node);
  const ignorePreflightErrors = new Set((cfg.join.nodeRegistration.ignorePreflightErrors ?? []).map((s) => s.toLowerCase()));
  const ctx = { ...createJoinContext(cfg, doors, { ignorePreflightErrors, rejoin: plan.resumed }), machine: surveyed.machine };
  const skip = [...(plan.resumed ? ['preflight'] : []), ...(cfg.join.skipPhases ?? [])];
  await journal.joinStarted(plan.host.name);
  await runWorkflow(joinPhases, ctx, { skip, sink, signal: run.signal });
  await journal.joinDone(plan.host.name);
}

const isReady = (node: Node | undefined) => Boolean(node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

/**
 * The run's token goes whether the run succeeded or not, with those of killed runs; a failure to delete them is
 * said (they expire within the hour).
 */
async function withRunToken(run: ApplyRun, cluster: () => Promise<Cluster>, work: () => Promise<void>): Promise<void> {
  let failed = false;
  try {
    await work();
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await cluster()
      .then(deleteRunTokens)
      .then(
        (ids) =>
          run.progress.log(`[apply] Deleted the bootstrap tokens of this run${ids.length > 1 ? ' and of interrupted ones' : ''} (ids ${ids.join(', ')})`),
        (err: Error) => {
          // After a failed run, the cluster may not answer: the token expires on its own within the hour.
          if (!failed) throw err;
          run.progress.log(`[apply] Could not delete this run's bootstrap token (it expires within the hour): ${err.message}`);
        },
      );
  }
}

/** Acts on the plan; returns the cluster. The run's token is deleted however the run ends. */
export async function act(run: ApplyRun): Promise<Cluster> {
  await installKubelets(run);
  await prepareWindowsHosts(run);
  const leaderName = run.plan.leader.name;
  const leader = run.surveyed.get(leaderName)!;
  const doors = openDoors({ kubeconfig: ADMIN_CONF }, leader.node);
  const joining = run.plan.hosts.filter((h) => h.action === 'join-control-plane' || h.action === 'join-worker');
  const controlPlanes = joining.filter((h) => h.action === 'join-control-plane');
  const init = run.plan.hosts.some((h) => h.action === 'init');
  if (!init && !joining.length) return doors.cluster();
  const journal = new JournalWriter(leader.node, doors.cluster, leaderName);
  await withRunToken(run, doors.cluster, async () => {
    if (init) {
      await journal.initStarted();
      await run.progress.step(leaderName, 'init', ({ sink, log }) => {
        log("init: bosun init's phases through the host's own connection");
        return runWorkflow(initPhases, leaderContext(run, doors, controlPlanes.length > 0), { skip: initSkip(run), sink, signal: run.signal });
      });
      await journal.initDone();
    } else {
      await createRunToken(await doors.cluster(), run.secrets);
      if (controlPlanes.length)
        await runWorkflow(initPhases, leaderContext(run, doors, true), { only: 'upload-certs', sink: run.progress.phases(leaderName), signal: run.signal });
    }
    if (!joining.length) return await journal.finished();
    const ca = await leader.node.readFile(`${run.leaderConfig.cluster.certificatesDir}/ca.crt`);
    if (!ca) throw new UserError(`host ${leaderName}: ${run.leaderConfig.cluster.certificatesDir}/ca.crt is missing: is it the cluster's control plane?`);
    const target = { endpoint: apiServerEndpoint(run.def, run.plan.leader, hostFacts(run.plan.leader, leader.machine)), caCertHash: caCertHash(ca) };
    // etcd grows one member at a time: each control-plane host joins after the one before is a voting member.
    for (const h of controlPlanes) await run.progress.step(h.host.name, 'join', (output) => joinHost(run, journal, h, target, output));
    const limit = pLimit(run.parallel);
    const workers = joining.filter((h) => h.action === 'join-worker');
    await Promise.all(workers.map((h) => limit(() => run.progress.step(h.host.name, 'join', (output) => joinHost(run, journal, h, target, output)))));
    await journal.finished();
  });
  return doors.cluster();
}

/** Waits until the Node of every host is Ready, each host's `ready` step; returns them by name. */
export async function waitNodesReady(cluster: Cluster, names: string[], progress: ApplyProgress): Promise<Map<string, Node | undefined>> {
  const nodes = new Map<string, Node | undefined>();
  await Promise.all(
    names.map((name) =>
      progress.step(name, 'ready', async () => {
        nodes.set(name, await cluster.watchUntil<Node>({ apiVersion: 'v1', kind: 'Node', name }, isReady, READY_TIMEOUT_MS));
      }),
    ),
  );
  return new Map(names.map((name) => [name, nodes.get(name)]));
}
