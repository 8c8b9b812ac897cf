/**
 * `bosun migrate report`: what a move off Docker, or to another cgroup driver, would meet. Every Node as it reports
 * itself and, where bosun reaches the node (the cluster file, as `upgrade nodes` reaches nodes), as its own files
 * say; every workload whose Pods tie it to Docker, in the cluster and in manifest files. Reads only.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import pLimit from 'p-limit';
import { describeError, preconditionFailed, UserError } from '../../errors.js';
import { READ_CAPS, readText, type Host } from '../../host/host.js';
import { LocalHost } from '../../host/local.js';
import { localMachine } from '../../host/machine.js';
import { readInventory, type Inventory } from '../../inventory/inventory.js';
import type { KubeObject } from '../../cluster/cluster.js';
import type { Node, Pod } from '../../kube/workloads.js';
import { readRuntimeFacts } from '../../node/runtime-facts.js';
import { nodeReacher } from '../../roll/nodes.js';
import { isManifestFile, manifestFindings } from '../../runtime/manifest-scan.js';
import { migrationReport, nodeReport, type MigrationReport, type NodeFactsResult } from '../../runtime/report.js';
import { clusterWorkloadFindings, type WorkloadFinding } from '../../runtime/workloads.js';
import { openDoors } from '../../workflow/doors.js';
import { kubeconfigOption, kubeconfigSearch, type CommandEnvironment } from '../../workflow/flags.js';
import { addHostFlags, NodeHosts, type HostFlags } from '../../roll/hosts.js';
import { formatReport, type ReportFormat } from './report-output.js';

export interface ReportFlags extends HostFlags {
  kubeconfig?: string;
  output: ReportFormat;
  exitCode?: boolean;
  inventory?: string;
  namespace?: string;
  filename: string[];
}

type Reacher = ReturnType<typeof nodeReacher>;

/** What a node's files say, or why they could not be read; undefined for a node bosun has no way to reach. */
async function nodeFiles(reacher: Reacher, name: string): Promise<NodeFactsResult | undefined> {
  if (!reacher.knows(name)) return undefined;
  try {
    const f = await readRuntimeFacts(reacher.reach(name).host);
    // Picked one by one: the report's schema is its own, not whatever the facts grow.
    const files = {
      endpoint: f.endpoint,
      endpointFrom: f.endpointFrom,
      criSocketLayout: f.criSocketLayout,
      runtime: f.runtime,
      runtimeVersion: f.runtimeVersion,
      kubeletCgroupDriver: f.kubeletCgroupDriver,
      kubeletCgroupDriverFrom: f.kubeletCgroupDriverFrom,
      runtimeCgroupDriver: f.runtimeCgroupDriver,
      runtimeCgroupDriverFrom: f.runtimeCgroupDriverFrom,
    };
    return { files, problems: f.problems };
  } catch (err) {
    return { unreachable: describeError(err) };
  }
}

/** The manifest files under `paths`: a file as given, a directory's YAML and JSON files, recursively, in name order. */
async function manifestFiles(host: Host, paths: string[]): Promise<string[]> {
  const files: string[] = [];
  const walk = async (file: string, given: boolean): Promise<void> => {
    const stat = await host.stat(file);
    if (!stat)
      throw new UserError({ what: 'no such file or directory', where: { flag: '--filename', file }, expected: 'a manifest file or a directory of them' });
    if (!stat.isDirectory) {
      if (given || isManifestFile(file)) files.push(file);
      return;
    }
    for (const name of (await host.readdir(file)).sort()) await walk(path.join(file, name), false);
  };
  for (const given of paths) await walk(path.resolve(given), true);
  return files;
}

async function scanManifests(host: Host, paths: string[]): Promise<WorkloadFinding[]> {
  const found: WorkloadFinding[] = [];
  for (const file of await manifestFiles(host, paths)) found.push(...manifestFindings(file, (await readText(host, file, READ_CAPS.config)) ?? ''));
  return found;
}

/** The report: the cluster's Nodes and workloads, each reachable node's files, the manifest files. */
export async function gatherReport(flags: ReportFlags, env: CommandEnvironment): Promise<MigrationReport> {
  const doors = openDoors({ kubeconfig: kubeconfigSearch(flags.kubeconfig, env) });
  const machine = new LocalHost('/');
  const inventory: Inventory = flags.inventory ? await readInventory(machine, path.resolve(flags.inventory)) : new Map();
  const manifests = await scanManifests(machine, flags.filename);
  const cluster = await doors.cluster();
  const hosts = new NodeHosts(flags, env);
  try {
    const reacher = nodeReacher(inventory, localMachine.hostname(), hosts.open);
    const scope = { namespace: flags.namespace };
    const [nodes, pods, replicaSets, jobs] = await Promise.all([
      cluster.list<Node>('v1', 'Node'),
      cluster.list<Pod>('v1', 'Pod', scope),
      cluster.list<KubeObject>('apps/v1', 'ReplicaSet', scope),
      cluster.list<KubeObject>('batch/v1', 'Job', scope),
    ]);
    const limit = pLimit(flags.parallel);
    const nodeReports = await Promise.all(
      nodes
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
        .map((node) => limit(async () => nodeReport(node, await nodeFiles(reacher, node.metadata.name)))),
    );
    return migrationReport(nodeReports, [...clusterWorkloadFindings(pods, { replicaSets, jobs }), ...manifests]);
  } finally {
    await hosts.close();
  }
}

/** `bosun migrate report`. */
export function registerMigrateReport(migrate: Command, env: CommandEnvironment): void {
  const cmd = migrate
    .command('report')
    .description(
      "Report each node's container runtime and cgroup drivers (from its Node and its own files) and the workloads that depend on Docker; changes nothing",
    )
    .addOption(kubeconfigOption())
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .option('--exit-code', 'exit 3 when anything blocks a migration: a node on Docker, a workload that depends on Docker, a cgroup-driver mismatch')
    .addOption(
      new Option('--inventory <file>', 'the cluster file: how bosun reaches each host to read its files (apiVersion: bosun.dev/v1alpha1, kind: Cluster)').env(
        'BOSUN_INVENTORY',
      ),
    )
    .option('-n, --namespace <namespace>', "only this namespace's Pods (default: every namespace)")
    .option(
      '-f, --filename <dir|file>',
      'also scan these manifests: a file, or a directory of .yaml, .yml and .json files (recursively); repeatable',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    );
  addHostFlags(cmd).action(async (flags: ReportFlags) => {
    const report = await gatherReport(flags, env);
    process.stdout.write(formatReport(report, flags.output));
    if (flags.exitCode && report.blocking.length) {
      throw preconditionFailed(
        `${report.blocking.length} finding(s) block a migration`,
        { flag: '--exit-code' },
        'no node on Docker, no workload that depends on Docker, no cgroup-driver mismatch',
      );
    }
  });
}
