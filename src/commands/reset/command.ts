/**
 * `bosun reset`: takes this node (or the node under --rootfs, or a host of a cluster file over SSH) out of its
 * cluster and back to the state before `init` or `join`, as kubeadm's reset does, plus what operators ask for on
 * top: the Node deleted, the network's leftovers cleaned.
 */
import path from 'node:path';
import { Command } from 'commander';
import { usageError } from '../../errors.js';
import type { Host } from '../../host/host.js';
import { LocalHost } from '../../host/local.js';
import { readInventory } from '../../inventory/inventory.js';
import { DEFAULT_CERT_DIR, KUBECONFIG_FILES, KUBERNETES_DIR } from '../../kube/paths.js';
import { addSshFlags, NodeHosts } from '../../roll/hosts.js';
import { addPhaseCommands, engineOptions, withProgressOption } from '../../workflow/cli.js';
import { confirm } from '../../workflow/confirm.js';
import { openDoors } from '../../workflow/doors.js';
import { checkReportOutput, printDryRunReport, reportOutputOption, type ReportFormat } from '../../workflow/dry-run-output.js';
import { commaList, kubeconfigOption, type CommandEnvironment } from '../../workflow/flags.js';
import { runWorkflow } from '../../workflow/run.js';
import { createResetContext, type ResetOptions } from './context.js';
import { resetPhases } from './phases.js';

const ADMIN_CONF = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`;

interface ResetFlags {
  force?: boolean;
  dryRun?: boolean;
  output: ReportFormat;
  deleteNode?: boolean;
  cleanupNetwork?: boolean;
  kubeconfig?: string;
  rootfs?: string;
  certDir: string;
  nodeName?: string;
  skipPhases?: string[];
  inventory?: string;
  host?: string;
  knownHosts?: string;
  sshAcceptNewHostKeys?: boolean;
}

function resetFlags(cmd: Command): Command {
  return addSshFlags(
    cmd
      .option('-f, --force', 'reset the node without asking for confirmation')
      .option('--dry-run', 'do not change anything; print what would be done (files, API objects, etcd members)')
      .addOption(reportOutputOption())
      .option('--delete-node', "also delete the Node object of this node (needs a kubeconfig: --kubeconfig, else the node's admin.conf)")
      .option('--cleanup-network', "also clean the CNI configuration (/etc/cni/net.d) and kube-proxy's iptables and IPVS rules")
      .addOption(kubeconfigOption().default(undefined, "the node's /etc/kubernetes/admin.conf"))
      .option('--rootfs <dir>', "the node's root directory, when it is not /")
      .option('--cert-dir <dir>', 'the directory the certificates are stored in', DEFAULT_CERT_DIR)
      .option('--node-name <name>', "this node's name (default: the name in the kubelet's client certificate)")
      .option('--skip-phases <phases>', 'phases to skip', commaList)
      .option('--inventory <file>', 'a cluster file: reset its host --host over SSH')
      .option('--host <name>', 'the host of --inventory to reset'),
  );
}

/** The node to reset: this machine (under --rootfs), or a host of the cluster file; `close` ends its connection. */
async function openNode(flags: ResetFlags, env: CommandEnvironment): Promise<{ host?: Host; close(): Promise<void> }> {
  if (flags.inventory === undefined && flags.host === undefined) return { close: async () => undefined };
  if (flags.inventory === undefined) throw usageError('names a host of a cluster file: give the file with --inventory', { flag: '--host' });
  if (flags.host === undefined) throw usageError('needs --host: the host of the file to reset', { flag: '--inventory' });
  if (flags.rootfs !== undefined) throw usageError('excludes --inventory: the cluster file says how its host is reached', { flag: '--rootfs' });
  const file = path.resolve(flags.inventory);
  const inventory = await readInventory(new LocalHost('/'), file);
  const entry = inventory.get(flags.host);
  if (!entry) throw usageError(`${file} has no such host`, { flag: `--host ${flags.host}` }, `one of ${[...inventory.keys()].join(', ')}`);
  if (entry.os === 'windows') throw usageError('is a Windows host; bosun reset resets Linux nodes', { flag: `--host ${flags.host}` });
  const hosts = new NodeHosts({ knownHosts: flags.knownHosts, sshAcceptNewHostKeys: flags.sshAcceptNewHostKeys, parallel: 1 }, env);
  try {
    await hosts.reach(entry);
  } catch (err) {
    await hosts.close();
    throw err;
  }
  return { host: hosts.open(entry), close: () => hosts.close() };
}

function resetOptions(flags: ResetFlags): ResetOptions {
  return {
    // A dry run changes nothing: there is nothing to confirm.
    force: Boolean(flags.force || flags.dryRun),
    deleteNode: Boolean(flags.deleteNode),
    cleanupNetwork: Boolean(flags.cleanupNetwork),
    certificatesDir: flags.certDir,
    nodeName: flags.nodeName,
  };
}

/** What kubeadm's reset says it leaves, less what the flags cleaned. */
function leftBehind(flags: ResetFlags): string {
  const lines = ['The reset process does not clean your kubeconfig files (such as $HOME/.kube/config): remove them yourself.'];
  if (!flags.cleanupNetwork)
    lines.push("The CNI configuration in /etc/cni/net.d and kube-proxy's iptables and IPVS rules are left: --cleanup-network cleans them.");
  if (!flags.deleteNode) lines.push('The Node object stays in the cluster: --delete-node deletes it (or kubectl delete node <name>).');
  return `\n${lines.join('\n')}\n`;
}

async function runReset(cmd: Command, env: CommandEnvironment, only?: string): Promise<void> {
  const flags = cmd.optsWithGlobals<ResetFlags>();
  checkReportOutput(flags);
  const node = await openNode(flags, env);
  try {
    const kubeconfigOn = flags.kubeconfig === undefined ? undefined : new LocalHost('/');
    const doors = openDoors(
      { rootfs: flags.rootfs, dryRun: flags.dryRun, kubeconfig: flags.kubeconfig ? path.resolve(flags.kubeconfig) : ADMIN_CONF, kubeconfigOn },
      node.host,
    );
    const ctx = createResetContext(resetOptions(flags), doors, (question) => confirm(question, process.stdin, process.stdout, '--force (-f)'));
    await runWorkflow(resetPhases, ctx, { skip: flags.skipPhases ?? [], only, ...engineOptions(cmd) });
    printDryRunReport(doors, flags.output);
    if (only === undefined && !flags.dryRun) process.stdout.write(leftBehind(flags));
  } finally {
    await node.close();
  }
}

export function registerReset(program: Command, env: CommandEnvironment): void {
  const reset = withProgressOption(
    resetFlags(program.command('reset').description("Performs a best effort revert of changes made to this host by 'bosun init' or 'bosun join'")),
  ).action((_opts, cmd: Command) => runReset(cmd, env));
  const phase = reset.command('phase').description('Use this command to invoke single phase of the reset workflow');
  addPhaseCommands(phase, resetPhases, resetFlags, (p, cmd) => runReset(cmd, env, p));
}
