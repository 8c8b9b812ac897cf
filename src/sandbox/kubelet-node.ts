/** What a sandbox Node says about its node's kubelet, and the writes that make it say so. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KUBELET_CONFIG_FILE, KUBELET_FLAGS_FILE } from '../kube/paths.js';
import type { Node } from '../kube/workloads.js';
import { parseYaml } from '../util/yaml.js';
import type { KubeletLayout } from './kubelet-layout.js';
import { KWOK_NODE_ANNOTATION } from './mirror.js';

/** kwok keeps a Node with this annotation value Ready; a stopped kubelet's Node gets another, so nothing heartbeats it. */
const MANAGED = 'fake';
const UNMANAGED = 'kubelet-stopped';

/** The kubelet a node's files start: its version, and the binary (its real path, inode and mtime; a link the local inventory swaps counts as a restart). */
export interface KubeletFiles {
  version: string;
  binary: string;
}

/** What a started kubelet reports: read from the node's files when it started, its runtime as it last connected. */
export interface Started extends KubeletFiles {
  /** The CRI endpoint its files name. */
  endpoint: string;
  /** `containerd://2.1.4`: the runtime serving that endpoint and its binary's version. */
  runtime: string;
}

/** Why a node's kubelet does not start when it has no kubelet binary (not a failure: a node joined by hand has none). */
export const noKubelet = (layout: KubeletLayout): string => `${layout.display(layout.binary)}: no such file`;

/** The node's kubelet files as a kubelet starting now reads them (where its layout has them); a reason when it could not start. */
export async function readKubeletFiles(
  rootfs: string,
  layout: KubeletLayout,
  versionOf: (file: string) => Promise<string | undefined>,
  configRequired: boolean,
): Promise<KubeletFiles | { problem: string }> {
  const root = layout.root(rootfs);
  const file = path.join(root, layout.binary);
  const real = await fs.realpath(file).catch(() => undefined);
  const stat = real === undefined ? undefined : await fs.stat(real).catch(() => undefined);
  if (real === undefined || !stat?.isFile()) return { problem: noKubelet(layout) };
  const binary = `${real}:${stat.ino}:${stat.mtimeMs}`;
  const version = await versionOf(binary);
  if (version === undefined) return { problem: `${layout.display(layout.binary)} --version: not a kubelet` };
  const configFile = layout.display(KUBELET_CONFIG_FILE);
  const flagsFile = layout.display(KUBELET_FLAGS_FILE);
  // Absent on a worker `up` made without a join; present, they must be what a kubelet can start from.
  const config = await fs.readFile(path.join(root, KUBELET_CONFIG_FILE), 'utf8').catch(() => undefined);
  // A fresh machine's kubelet, as a packaged one, restarts until kubeadm has written its configuration.
  if (config === undefined && configRequired) return { problem: `${configFile}: no such file` };
  if (config !== undefined) {
    let kind: unknown;
    try {
      kind = (parseYaml(config) as { kind?: unknown } | null)?.kind;
    } catch (err) {
      return { problem: `${configFile}: ${(err as Error).message.split('\n')[0]}` };
    }
    if (kind !== 'KubeletConfiguration') return { problem: `${configFile}: not a KubeletConfiguration` };
  }
  const flags = await fs.readFile(path.join(root, KUBELET_FLAGS_FILE), 'utf8').catch(() => undefined);
  if (flags !== undefined && !/^KUBELET_KUBEADM_ARGS=/m.test(flags)) return { problem: `${flagsFile}: no KUBELET_KUBEADM_ARGS` };
  return { version, binary };
}

type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastHeartbeatTime?: string };

export interface NodeWrite {
  /** A merge patch of the Node's status. */
  status?: object;
  /** kwok's annotation, when it changes. */
  annotation?: string;
  annotateFirst?: boolean;
  what: string;
}

/**
 * The writes that make a Node say what its kubelet reports; undefined when it already does. `runtimeDown`: the
 * kubelet runs but its runtime is gone (it reports Ready False with the reason, as a kubelet does).
 */
export function nodeWrite(node: Node, started: Started | undefined, down: boolean, runtimeDown?: string): NodeWrite | undefined {
  const annotation = node.metadata.annotations?.[KWOK_NODE_ANNOTATION];
  if (annotation === undefined) return undefined; // not a sandbox kubelet's Node
  const conditions: Condition[] = node.status?.conditions ?? [];
  if (started) {
    const info = node.status?.nodeInfo as { kubeletVersion?: string; containerRuntimeVersion?: string } | undefined;
    const stale = info?.kubeletVersion !== started.version || info?.containerRuntimeVersion !== started.runtime;
    if (!stale && annotation === MANAGED) return undefined;
    // The versions first: when kwok makes the Node Ready again, it already reports its new kubelet and runtime.
    return {
      status: stale ? { status: { nodeInfo: { kubeletVersion: started.version, containerRuntimeVersion: started.runtime } } } : undefined,
      annotation: annotation === MANAGED ? undefined : MANAGED,
      what: `reports kubelet ${started.version} on ${started.runtime}${annotation === MANAGED ? '' : ', Ready again'}`,
    };
  }
  if (!down) return undefined;
  const ready = conditions.find((c) => c.type === 'Ready');
  if (annotation === UNMANAGED && ready?.status !== 'True') return undefined;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const notReady: Condition = {
    type: 'Ready',
    ...(runtimeDown
      ? { status: 'False', reason: 'KubeletNotReady', message: `container runtime is down: ${runtimeDown}` }
      : { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }),
    lastTransitionTime: now,
    lastHeartbeatTime: ready?.lastHeartbeatTime ?? now,
  };
  return {
    // The whole list: a merge patch replaces it (kwok, which wrote the others, has let go of the Node by then).
    status: { status: { conditions: [...conditions.filter((c) => c.type !== 'Ready'), notReady] } },
    annotation: annotation === UNMANAGED ? undefined : UNMANAGED,
    annotateFirst: true,
    what: runtimeDown ? 'container runtime is down: NotReady' : 'kubelet not running: NotReady',
  };
}
