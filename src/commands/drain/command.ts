import type { Command } from 'commander';
import type { Cluster } from '../../cluster/cluster.js';
import { UserError } from '../../errors.js';
import { cordonVerb, setUnschedulable } from '../../drain/executor/cordon.js';
import { DEFAULT_EVICTION_CONCURRENCY, Drainer } from '../../drain/executor/evict.js';
import { DrainError, type DrainIO } from '../../drain/executor/node-run.js';
import type { DrainOptions } from '../../drain/planner/filters.js';
import { openDoors, type Doors } from '../../workflow/doors.js';
import { checkReportOutput, printDryRunReport, reportOutputOption, type ReportFormat } from '../../workflow/dry-run-output.js';
import { kubeconfigOption, kubeconfigSearch, type CommandEnvironment } from '../../workflow/flags.js';
import { addDrainFlags, drainOptions, type DrainFlags } from '../../workflow/drain-flags.js';
import type { Node } from '../../kube/workloads.js';

interface NodeFlags {
  selector?: string;
  kubeconfig?: string;
  dryRun?: boolean;
  output: ReportFormat;
}

const stdio: DrainIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** The nodes named, or selected by label (not both), as kubectl resolves them. */
async function selectNodes(cluster: Cluster, names: string[], selector: string | undefined, usage: string): Promise<Node[]> {
  if (names.length && selector) throw new UserError('cannot specify both a node name and a --selector option');
  if (!names.length && !selector) throw new UserError(`USAGE: ${usage} [flags]`);
  if (selector) return cluster.list<Node>('v1', 'Node', { labelSelector: selector });
  return Promise.all(
    names.map(async (name) => {
      const node = await cluster.get<Node>({ apiVersion: 'v1', kind: 'Node', name });
      if (!node) throw new UserError(`nodes "${name}" not found`);
      return node;
    }),
  );
}

/** kubectl's mark of what a dry run only says it would do. */
const dryRunNote = (doors: Doors) => (doors.recorded ? ' (dry run)' : '');

/** The doors of a node command: the cluster of the kubeconfig found (see resolveKubeconfig); a dry run's record. */
function nodeDoors(flags: NodeFlags, env: CommandEnvironment): Doors {
  checkReportOutput(flags);
  return openDoors({ dryRun: flags.dryRun, kubeconfig: kubeconfigSearch(flags.kubeconfig, env) });
}

async function setNodes(doors: Doors, names: string[], flags: NodeFlags, unschedulable: boolean, usage: string): Promise<{ cluster: Cluster; nodes: Node[] }> {
  const cluster = await doors.cluster();
  const nodes = await selectNodes(cluster, names, flags.selector, usage);
  for (const node of nodes) {
    const { changed } = await setUnschedulable(cluster, node, unschedulable);
    stdio.out(`node/${node.metadata.name} ${cordonVerb(unschedulable, changed)}${dryRunNote(doors)}`);
  }
  return { cluster, nodes };
}

/**
 * A recorded drain: nothing would go, so there is nothing to wait for. Each eviction (or deletion) the filters allow
 * is made through the recording doors, node by node, and said as kubectl's client dry run says it.
 */
async function recordDrain(drainer: Drainer, cluster: Cluster, nodes: Node[], options: DrainOptions): Promise<string[]> {
  const failed: string[] = [];
  for (const node of nodes) {
    const plan = await drainer.inspect(node.metadata.name);
    if (plan.errors.length) {
      failed.push(node.metadata.name);
      stdio.err(
        `error: unable to drain node "${node.metadata.name}" due to error: ${new DrainError(node.metadata.name, plan.errors, true).message}, continuing command...`,
      );
      continue;
    }
    if (plan.warnings) stdio.err(`Warning: ${plan.warnings}`);
    for (const { pod } of plan.decisions.filter((d) => d.delete)) {
      const ref = { apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name };
      await (options.disableEviction ? cluster.delete(ref) : cluster.evict(ref));
      stdio.out(`evicting pod ${pod.metadata.namespace}/${pod.metadata.name} (dry run)`);
    }
    stdio.out(`node/${node.metadata.name} drained (dry run)`);
  }
  return failed;
}

/** Drains the nodes at once; returns those that could not be drained (they stay cordoned, and it says so). */
async function drainAll(drainer: Drainer, nodes: Node[]): Promise<string[]> {
  const outcomes = await Promise.all(
    nodes.map(async ({ metadata: { name } }) => {
      try {
        await drainer.drain(name);
        stdio.out(`node/${name} drained`);
        return undefined;
      } catch (err) {
        if (!(err instanceof DrainError)) throw err;
        stdio.err(`error: unable to drain node "${name}" due to error: ${err.message}, continuing command...`);
        stdio.err(`node ${name} stays cordoned: the drain did not finish ("bosun uncordon ${name}" makes it schedulable again)`);
        return name;
      }
    }),
  );
  return outcomes.filter((name): name is string => name !== undefined);
}

/**
 * `bosun drain`: cordon every node, then drain them (at once: evictions share one bounded limit), with kubectl's
 * filters, messages and exit status. A node that could not be drained stays cordoned, and the output says so.
 */
async function drainCommand(doors: Doors, names: string[], flags: DrainFlags & NodeFlags): Promise<void> {
  const { cluster, nodes } = await setNodes(doors, names, flags, true, 'drain NODE');
  const options = drainOptions(flags);
  const drainer = new Drainer(cluster, options, stdio);
  try {
    const failed = doors.recorded ? await recordDrain(drainer, cluster, nodes, options) : await drainAll(drainer, nodes);
    if (failed.length) {
      stdio.err(`There are pending nodes to be drained:\n${failed.map((n) => ` ${n}`).join('\n')}`);
      throw new UserError(`${failed.length} node(s) not drained: ${failed.join(', ')}`);
    }
  } finally {
    drainer.close();
  }
}

const nodeFlags = (cmd: Command) =>
  cmd
    .option('-l, --selector <selector>', 'label selector for the nodes')
    .addOption(kubeconfigOption())
    .option('--dry-run', 'only print what would be done, and the report of the API objects it would change')
    .addOption(reportOutputOption());

/** Runs a node command over its doors; a dry run ends with the report of what it would have changed. */
async function runNodeCommand(flags: NodeFlags, env: CommandEnvironment, action: (doors: Doors) => Promise<unknown>): Promise<void> {
  const doors = nodeDoors(flags, env);
  await action(doors);
  printDryRunReport(doors, flags.output);
}

/** `bosun drain`: kubectl drain's command, with bosun's drain. */
export function registerDrain(program: Command, env: CommandEnvironment): void {
  addDrainFlags(nodeFlags(program.command('drain').argument('[nodes...]', 'nodes to drain')))
    .description("Cordon nodes and evict their pods (kubectl drain's semantics; faster, and says what each pod waits for)")
    .option('--ignore-daemonsets', 'ignore DaemonSet-managed pods')
    .addHelpText(
      'after',
      `
kubectl drain's filters, messages and exit status, with these differences:
  - nodes are drained at once, their evictions sharing one limit of ${DEFAULT_EVICTION_CONCURRENCY} requests in flight (kubectl: one node after another, every pod at once)
  - pods are watched until gone or replaced (kubectl: a GET per pod every second)
  - a pod held back by a PodDisruptionBudget is evicted as soon as the budget allows, and says which budget it
    waits for; other 429 answers are retried after their Retry-After (kubectl: every 5 s)
  - pods under a budget are evicted first: they wait for replacements, the others do not
  - a node that could not be drained stays cordoned, and the output says so`,
    )
    .action((names: string[], flags: DrainFlags & NodeFlags) => runNodeCommand(flags, env, (doors) => drainCommand(doors, names, flags)));
}

export function registerCordon(program: Command, env: CommandEnvironment): void {
  nodeFlags(program.command('cordon').argument('[nodes...]', 'nodes to cordon'))
    .description('Mark nodes unschedulable')
    .action((names: string[], flags: NodeFlags) => runNodeCommand(flags, env, (doors) => setNodes(doors, names, flags, true, 'cordon NODE')));
}

export function registerUncordon(program: Command, env: CommandEnvironment): void {
  nodeFlags(program.command('uncordon').argument('[nodes...]', 'nodes to uncordon'))
    .description('Mark nodes schedulable again')
    .action((names: string[], flags: NodeFlags) => runNodeCommand(flags, env, (doors) => setNodes(doors, names, flags, false, 'uncordon NODE')));
}
