/**
 * `bosun migrate runtime --to containerd` as a roll kind: the node-side steps of the dockershim → containerd guide
 * (every file backed up first), a node back when its Node reports `containerd://…` and Ready, and the rollback of a
 * node that does not come back: its files restored byte for byte, Docker and cri-dockerd enabled again, the kubelet
 * restarted, the node left cordoned.
 */
import type { Cluster } from '../../cluster/cluster.js';
import type { Host } from '../../host/host.js';
import { CRI_SOCKET_ANNOTATION } from '../../kube/labels.js';
import { KUBELET_CONFIG_FILE, KUBELET_FLAGS_FILE } from '../../kube/paths.js';
import { KUBELET_INSTANCE_CONFIG_FILE } from '../../kubelet/config.js';
import { isNodeReady, type Node } from '../../kube/workloads.js';
import { readBackup, restoreBackup, takeBackup } from '../../node/roll-backup.js';
import { readRuntimeFacts } from '../../node/runtime-facts.js';
import { containerdWrites, kubeletEndpointWrites, nodeContainerdVersion, writeAll } from '../../node/runtime-switch.js';
import type { RollKind } from '../../roll/kind.js';
import type { NodeStepContext } from '../../roll/nodes.js';
import { certsDFiles, readDaemonJson } from '../../runtime/docker-daemon.js';
import { CONTAINERD_ENDPOINT } from '../../runtime/endpoints.js';
import { CERTS_D, CONTAINERD_CONFIG, DOCKER_DAEMON_JSON, SYSTEMD_UNIT_DIRS } from '../../runtime/paths.js';
import { readText } from '../../host/host.js';
import { containerdChoice, installContainerd } from './containerd-install.js';

/** Docker's and cri-dockerd's units, sockets first (so neither starts its service again while it stops). */
const DOCKER_UNITS = ['docker.socket', 'docker', 'cri-docker.socket', 'cri-docker'];

/** Every file the migration may change or create on the node. */
export async function runtimeMigrationFiles(host: Host): Promise<string[]> {
  const daemon = readDaemonJson(await readText(host, DOCKER_DAEMON_JSON), DOCKER_DAEMON_JSON);
  return [CONTAINERD_CONFIG, ...certsDFiles(daemon, CERTS_D).map((f) => f.path), KUBELET_FLAGS_FILE, KUBELET_CONFIG_FILE, KUBELET_INSTANCE_CONFIG_FILE];
}

/** The Docker units the node has a unit file for. */
async function dockerUnits(host: Host): Promise<string[]> {
  const units: string[] = [];
  for (const unit of DOCKER_UNITS) {
    const file = unit.includes('.') ? unit : `${unit}.service`;
    for (const dir of SYSTEMD_UNIT_DIRS) {
      if (!(await host.stat(`${dir}/${file}`))) continue;
      units.push(unit);
      break;
    }
  }
  return units;
}

const nodeRef = (name: string) => ({ apiVersion: 'v1', kind: 'Node', name });

async function setCriSocket(cluster: Cluster, name: string, value: string | null): Promise<void> {
  await cluster.patch(nodeRef(name), { metadata: { annotations: { [CRI_SOCKET_ANNOTATION]: value } } });
}

export interface RuntimeWorkSettings {
  rollId: string;
  /** The operator's machine, where a containerd binary the cluster file names (`from`) is read. */
  machine: Host;
}

const logTo = (ctx: NodeStepContext) => (line: string) => ctx.events({ type: 'log', path: ctx.path, at: Date.now(), line });

/** The node-side steps, each idempotent: run again, it finds what it did and does the same. */
function runtimeWork(settings: RuntimeWorkSettings): RollKind['work'] {
  return {
    backup: async ({ node, cluster }) => {
      const current = await cluster.get<Node>(nodeRef(node.name));
      const annotation = current?.metadata.annotations?.[CRI_SOCKET_ANNOTATION] ?? null;
      await takeBackup(node.host, settings.rollId, await runtimeMigrationFiles(node.host), {
        [CRI_SOCKET_ANNOTATION]: annotation,
        dockerUnits: (await dockerUnits(node.host)).join(' '),
      });
    },
    'kubelet-stop': ({ node }) => node.host.service('kubelet').stop(),
    'docker-stop': async ({ node }) => {
      for (const unit of await dockerUnits(node.host)) await node.host.service(unit).disable();
    },
    'containerd-install': async (ctx) =>
      installContainerd(ctx.node.host, await containerdChoice(ctx.node.host, ctx.node.containerd), settings.machine, logTo(ctx)),
    'containerd-config': async ({ node }) => {
      const facts = await readRuntimeFacts(node.host);
      await writeAll(node.host, await containerdWrites(node.host, await nodeContainerdVersion(node.host), facts.kubeletCgroupDriver));
    },
    'kubelet-endpoint': async ({ node, cluster }) => {
      const { criSocketLayout } = await readRuntimeFacts(node.host);
      await writeAll(node.host, await kubeletEndpointWrites(node.host, criSocketLayout));
      // NodeLocalCRISocket keeps the socket in instance-config.yaml: kubeadm drops the annotation there too.
      await setCriSocket(cluster, node.name, criSocketLayout === 'flags' ? CONTAINERD_ENDPOINT : null);
    },
    // Docker's containerd may be running already, on the old config.toml: a restart loads the new one.
    'containerd-start': async ({ node }) => {
      await node.host.service('containerd').enable();
      await node.host.service('containerd').restart();
    },
    'kubelet-start': ({ node }) => node.host.service('kubelet').start(),
  };
}

/** The node as it was: files restored, the annotation back, containerd as before, Docker's units on, the kubelet restarted. */
function rollback(settings: RuntimeWorkSettings) {
  return async ({ node, cluster }: NodeStepContext): Promise<void> => {
    const { host } = node;
    if (!(await readBackup(host, settings.rollId))) return;
    await host.service('kubelet').stop();
    const manifest = await restoreBackup(host, settings.rollId);
    const notes = manifest.notes ?? {};
    await setCriSocket(cluster, node.name, notes[CRI_SOCKET_ANNOTATION] ?? null);
    // Docker runs its containers through containerd: with its old config.toml back, containerd restarts on it.
    const hadConfig = manifest.files.some((f) => f.path === CONTAINERD_CONFIG && f.existed);
    if (hadConfig) await host.service('containerd').restart();
    else await host.service('containerd').disable();
    for (const unit of (notes.dockerUnits ?? '').split(' ').filter(Boolean)) await host.service(unit).enable();
    await host.service('kubelet').restart();
  };
}

/** A node is back on containerd when its Node says so and is Ready. */
export function runtimeKind(settings: RuntimeWorkSettings, bounded: (work: RollKind['work']) => RollKind['work']): RollKind {
  return {
    purpose: 'migrate-runtime',
    work: bounded(runtimeWork(settings)),
    ready: {
      what: 'Ready on containerd',
      test: (node) => isNodeReady(node) && (node.status?.nodeInfo?.containerRuntimeVersion ?? '').startsWith('containerd://'),
      reports: (node) => `it reports ${node?.status?.nodeInfo?.containerRuntimeVersion ?? 'no runtime'}, ${node && isNodeReady(node) ? 'Ready' : 'not Ready'}`,
    },
    rollback: { linux: rollback(settings) },
    nodeDone: 'moved to containerd',
    rollDone: (nodes) => `${nodes} node(s) moved to containerd`,
  };
}
