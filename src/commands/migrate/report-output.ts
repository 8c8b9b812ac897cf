/** `bosun migrate report` printed: two kubectl-like tables and what blocks a migration, or the MigrationReport as data. */
import { emitYaml } from '../../util/yaml.js';
import type { MigrationReport, NodeReport } from '../../runtime/report.js';
import type { WorkloadFinding } from '../../runtime/workloads.js';
import { table } from '../../util/table.js';

export type ReportFormat = 'text' | 'json' | 'yaml';

const NONE = '-';

/** The CRI endpoint shown for a node, and where it came from: its files, else the Node's annotation. */
function endpointOf(node: NodeReport): [string, string] {
  if (node.files?.endpoint) return [node.files.endpoint, node.files.endpointFrom ?? NONE];
  if (node.criSocketAnnotation) return [node.criSocketAnnotation, 'annotation'];
  return [NONE, NONE];
}

function nodesTable(nodes: NodeReport[]): string {
  const rows = nodes.map((n) => [
    n.name,
    n.unreachable ? `${n.status} (node not read)` : n.status,
    n.runtime ?? NONE,
    n.nodeRuntime ?? NONE,
    n.files?.runtimeVersion ?? NONE,
    ...endpointOf(n),
    n.files?.kubeletCgroupDriver ?? NONE,
    n.files?.runtimeCgroupDriver ?? NONE,
  ]);
  return table([['NAME', 'STATUS', 'RUNTIME', 'NODE REPORTS', 'BINARY VERSION', 'CRI ENDPOINT', 'FROM', 'KUBELET CGROUP', 'RUNTIME CGROUP'], ...rows]);
}

/** Each node's errors, warnings, and why its files were not read, one line each. */
function nodeNotes(nodes: NodeReport[]): string[] {
  return nodes.flatMap((n) => [
    ...n.errors.map((e) => `${n.name}: error: ${e}`),
    ...n.warnings.map((w) => `${n.name}: warning: ${w}`),
    ...(n.unreachable ? [`${n.name}: files not read (${n.unreachable}): reported from its Node alone`] : []),
  ]);
}

const foundIn = (w: WorkloadFinding): string =>
  w.source
    ? `${w.source.file} (document ${w.source.document}${w.source.item !== undefined ? `, item ${w.source.item}` : ''})`
    : `${w.pods?.length ?? 0} pod(s)`;

function workloadsTable(workloads: WorkloadFinding[]): string {
  const rows = workloads.map((w) => [w.namespace ?? NONE, w.kind, w.name, w.class, foundIn(w), w.reasons.join('; ')]);
  return table([['NAMESPACE', 'KIND', 'NAME', 'DOCKER', 'FOUND IN', 'WHY'], ...rows]);
}

function text(report: MigrationReport): string {
  const out = ['Nodes:', nodesTable(report.nodes).trimEnd(), ...nodeNotes(report.nodes), ''];
  out.push('Workloads:');
  if (report.workloads.length) out.push(workloadsTable(report.workloads).trimEnd());
  else out.push("None mounts Docker's socket or data directory, or a directory holding them, or runs a known Docker-dependent agent.");
  out.push('');
  if (!report.blocking.length) out.push('Nothing blocks a migration.');
  else out.push(`${report.blocking.length} finding(s) block a migration:`, ...report.blocking.map((b) => `  ${b}`));
  return `${out.join('\n')}\n`;
}

export function formatReport(report: MigrationReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'yaml') return emitYaml(report);
  return text(report);
}
