/**
 * `bosun migrate report` as data: each node's runtime as its Node says and as its own files say, what of that
 * blocks or needs a migration, and the workloads tied to Docker. Pure: the command fetches the Nodes, the facts and
 * the Pods.
 */
import { CRI_SOCKET_ANNOTATION } from '../kube/labels.js';
import type { Node } from '../kube/workloads.js';
import { runtimeOfEndpoint, type CgroupDriver } from './endpoints.js';
import type { WorkloadFinding } from './workloads.js';

/** Where kubeadm recorded a node's CRI socket before NodeLocalCRISocket (`kubeadm upgrade` read it from there). */

/** What a node's own files say, as the report shows it. */
export interface NodeFiles {
  endpoint?: string;
  endpointFrom?: string;
  /** Where kubeadm keeps the node's CRI socket: kubeadm-flags.env and the Node annotation, or instance-config.yaml. */
  criSocketLayout?: 'flags' | 'instance-config';
  runtime?: string;
  runtimeVersion?: string;
  kubeletCgroupDriver: CgroupDriver;
  kubeletCgroupDriverFrom?: string;
  runtimeCgroupDriver?: CgroupDriver;
  runtimeCgroupDriverFrom?: string;
}

/** `ok`; `to-migrate`: on Docker (dockershim or cri-dockerd); `error`: a cgroup-driver mismatch. */
export type NodeStatus = 'ok' | 'to-migrate' | 'error';

export interface NodeReport {
  name: string;
  /** The runtime and version the Node reports (`status.nodeInfo.containerRuntimeVersion`): `docker://20.10.24`. */
  nodeRuntime?: string;
  /** The `kubeadm.alpha.kubernetes.io/cri-socket` annotation, on clusters that still have it. */
  criSocketAnnotation?: string;
  /** The node's files, or why bosun could not read them. */
  files?: NodeFiles;
  unreachable?: string;
  /** `docker (cri-dockerd)`, `docker (dockershim)`, `containerd`: the runtime the node runs, best known first from its files. */
  runtime?: string;
  status: NodeStatus;
  errors: string[];
  warnings: string[];
}

export interface MigrationReport {
  apiVersion: 'bosun.dev/v1alpha1';
  kind: 'MigrationReport';
  nodes: NodeReport[];
  workloads: WorkloadFinding[];
  /** What stops a migration from being safe, one line each; empty: nothing. */
  blocking: string[];
}

/** What bosun learned of a node's files (and the problems reading them), or why the node could not be read. */
export type NodeFactsResult = { files: NodeFiles; problems: string[] } | { unreachable: string };

const from = (source: string | undefined) => (source ? ` (${source})` : '');

/** `docker://20.10.24` → `docker`, `20.10.24`. */
function splitRuntimeVersion(value: string | undefined): { name?: string; version?: string } {
  const m = /^([^:]+):\/\/(.*)$/.exec(value ?? '');
  return m ? { name: m[1], version: m[2] } : {};
}

/** The name the Node would report for a runtime the files select (`cri-o://`, `docker://`). */
const NODE_NAMES: Record<string, string> = { containerd: 'containerd', docker: 'docker', dockershim: 'docker', crio: 'cri-o' };

/** The runtime as the report names it: Docker with the shim that serves it. */
function runtimeLabel(endpointRuntime: string | undefined, nodeRuntime: string | undefined): string | undefined {
  if (endpointRuntime === 'docker') return 'docker (cri-dockerd)';
  if (endpointRuntime === 'dockershim') return 'docker (dockershim)';
  if (endpointRuntime) return endpointRuntime;
  // A Docker node without a recorded endpoint is a kubelet from before 1.24 on its built-in dockershim.
  return nodeRuntime === 'docker' ? 'docker (dockershim)' : nodeRuntime;
}

/** Where the Node and the node's files disagree: a kubelet not restarted since its files changed, or a stale annotation. */
function disagreements(node: Pick<NodeReport, 'nodeRuntime' | 'criSocketAnnotation'>, files: NodeFiles): string[] {
  const said = splitRuntimeVersion(node.nodeRuntime);
  const out: string[] = [];
  const filesRuntime = files.runtime && NODE_NAMES[files.runtime];
  if (said.name && filesRuntime && said.name !== filesRuntime) {
    out.push(`the Node reports ${node.nodeRuntime}, the node's files select ${files.runtime} (${files.endpoint} in ${files.endpointFrom})`);
  } else if (said.name === filesRuntime && said.version && files.runtimeVersion && said.version !== files.runtimeVersion) {
    out.push(`the Node reports ${node.nodeRuntime}, the runtime binary on the node is ${files.runtimeVersion} (not restarted since?)`);
  }
  const annotated = node.criSocketAnnotation && runtimeOfEndpoint(node.criSocketAnnotation);
  if (annotated && files.runtime && annotated !== files.runtime) {
    out.push(
      `the Node's ${CRI_SOCKET_ANNOTATION} annotation says ${node.criSocketAnnotation}, the node's files ${files.endpoint} (kubeadm upgrade reads the annotation)`,
    );
  }
  return out;
}

/** One node's entry: its runtime, what blocks or needs migrating, where the Node and its files disagree. */
export function nodeReport(node: Node, result: NodeFactsResult | undefined): NodeReport {
  const nodeRuntime = node.status?.nodeInfo?.containerRuntimeVersion || undefined;
  const criSocketAnnotation = node.metadata.annotations?.[CRI_SOCKET_ANNOTATION];
  const base = { name: node.metadata.name, nodeRuntime, criSocketAnnotation };
  const errors: string[] = [];
  const warnings: string[] = [];
  let files: NodeFiles | undefined;
  if (result && 'files' in result) {
    files = result.files;
    warnings.push(...result.problems, ...disagreements(base, files));
    if (files.runtimeCgroupDriver && files.runtimeCgroupDriver !== files.kubeletCgroupDriver) {
      errors.push(
        `cgroup driver mismatch: the kubelet's is ${files.kubeletCgroupDriver}${from(files.kubeletCgroupDriverFrom)}, ${files.runtime ?? 'the runtime'}'s is ${files.runtimeCgroupDriver}${from(files.runtimeCgroupDriverFrom)}`,
      );
    }
  }
  const endpointRuntime = files?.runtime ?? (criSocketAnnotation ? runtimeOfEndpoint(criSocketAnnotation) : undefined);
  const runtime = runtimeLabel(endpointRuntime, splitRuntimeVersion(nodeRuntime).name);
  const onDocker = runtime?.startsWith('docker') || splitRuntimeVersion(nodeRuntime).name === 'docker';
  const status: NodeStatus = errors.length ? 'error' : onDocker ? 'to-migrate' : 'ok';
  const unreachable = result && 'unreachable' in result ? result.unreachable : result ? undefined : 'no --inventory names it';
  return { ...base, files, unreachable, runtime, status, errors, warnings };
}

/** The report's `blocking` lines: every node on Docker, every cgroup-driver mismatch, every workload that depends. */
export function blockingReasons(nodes: NodeReport[], workloads: WorkloadFinding[]): string[] {
  const out: string[] = [];
  for (const node of nodes) {
    if (node.runtime?.startsWith('docker') || node.nodeRuntime?.startsWith('docker://')) out.push(`node ${node.name} runs ${node.runtime ?? 'docker'}`);
    for (const error of node.errors) out.push(`node ${node.name}: ${error}`);
  }
  for (const w of workloads.filter((f) => f.class === 'depends')) {
    const where = w.source ? `${w.source.file} document ${w.source.document}${w.source.item !== undefined ? ` item ${w.source.item}` : ''}: ` : '';
    out.push(`${where}${w.kind} ${w.namespace ? `${w.namespace}/` : ''}${w.name} depends on Docker: ${w.reasons.join('; ')}`);
  }
  return out;
}

export function migrationReport(nodes: NodeReport[], workloads: WorkloadFinding[]): MigrationReport {
  return { apiVersion: 'bosun.dev/v1alpha1', kind: 'MigrationReport', nodes, workloads, blocking: blockingReasons(nodes, workloads) };
}
