/**
 * `bosun node prepare`: makes one Windows host ready to join (kubelet.exe, directories, the kubelet service, the
 * firewall rule), the first part of what `bosun apply` does to a Windows host. The host is this machine, or a host
 * of a cluster file reached over SSH; the cluster file also gives the Kubernetes version and the kubelet's install
 * choice. `--dry-run` prints the steps the host needs and changes nothing.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { download } from '../../host/download.js';
import type { Host } from '../../host/host.js';
import { LocalHost } from '../../host/local.js';
import { kubernetesVersion, readClusterFile } from '../../inventory/cluster.js';
import { RELEASE_KUBELET_URL, type KubeletInstall } from '../../inventory/inventory.js';
import { KubeletDownloads } from '../../node/kubelet-release.js';
import { windowsKubeletSource } from '../../node/windows-kubelet-binary.js';
import { powerShellHost } from '../../node/windows-powershell.js';
import { planPrepare, planText, prepareWindowsNode } from '../../node/windows-prepare.js';
import { addHostFlags, NodeHosts, type HostFlags } from '../../roll/hosts.js';
import type { CommandEnvironment } from '../../workflow/flags.js';
import { DEFAULT_KUBERNETES_VERSION } from '../../versions/pinned.js';

interface PrepareFlags extends HostFlags {
  inventory?: string;
  host?: string;
  kubernetesVersion?: string;
  kubeletFrom?: string;
  nodeName?: string;
  dryRun?: boolean;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** The host to prepare and what it gets: from the cluster file (--inventory, --host), or this machine and the flags. */
async function target(flags: PrepareFlags, hosts: NodeHosts, local: Host) {
  if (flags.inventory === undefined) {
    if (flags.host !== undefined) throw new UserError('--host names a host of the cluster file: give --inventory too');
    const kubelet: KubeletInstall = flags.kubeletFrom
      ? { install: 'binary', from: path.resolve(flags.kubeletFrom), link: false }
      : { install: 'binary', url: RELEASE_KUBELET_URL, fetch: 'bosun' };
    return { name: flags.nodeName, node: local, kubelet, version: flags.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION };
  }
  if (flags.host === undefined) throw new UserError('--inventory: give --host, the name of the host in the cluster file to prepare');
  if (flags.kubeletFrom !== undefined)
    throw new UserError("--kubelet-from: with --inventory the cluster file's kubelet install choice says where kubelet.exe comes from");
  const def = await readClusterFile(local, path.resolve(flags.inventory), '--inventory');
  const entry = def.hosts.find((h) => h.name === flags.host);
  if (!entry) throw new UserError(`--host ${flags.host}: no host of that name in ${flags.inventory} (hosts: ${def.hosts.map((h) => h.name).join(', ')})`);
  if (entry.role === 'control-plane')
    throw new UserError(`--host ${entry.name}: its role in ${flags.inventory} is control-plane; a Windows node can only be a worker; nothing was changed`);
  const node = hosts.open(entry);
  if (node.os !== 'windows') throw new UserError(`--host ${entry.name}: bosun node prepare prepares Windows hosts (os: windows in ${flags.inventory})`);
  await hosts.reach(entry);
  return { name: flags.nodeName ?? entry.name, node, kubelet: entry.kubelet, version: flags.kubernetesVersion ?? kubernetesVersion(def) };
}

async function runPrepare(flags: PrepareFlags, env: CommandEnvironment): Promise<void> {
  const hosts = new NodeHosts(flags, env);
  try {
    const local = new LocalHost('/');
    const chosen = await target(flags, hosts, local);
    const host = powerShellHost(chosen.node, 'bosun node prepare');
    const nodeName = chosen.name ?? (await host.windowsMachine()).hostname().toLowerCase();
    const kubelet = windowsKubeletSource(nodeName, chosen.kubelet, chosen.version, local, new KubeletDownloads(download));
    const prepareTarget = { host, nodeName, kubelet };
    if (flags.dryRun) {
      planText(nodeName, await planPrepare(prepareTarget)).forEach(log);
      return log('[dryrun] Would run the steps above; nothing was changed');
    }
    await prepareWindowsNode(prepareTarget, log);
  } finally {
    await hosts.close();
  }
}

export function registerNode(program: Command, env: CommandEnvironment): void {
  const node = program.command('node').description('Work on one node');
  addHostFlags(
    node
      .command('prepare')
      .description(
        'Make a Windows host ready to join: containerd checked, kubelet.exe of the cluster version, directories, the kubelet service, the firewall rule',
      )
      .option('--inventory <file>', 'a cluster file naming the host (reached over SSH), the Kubernetes version and how its kubelet is installed')
      .option('--host <name>', 'the host of the cluster file to prepare')
      .option('--kubernetes-version <version>', `the kubelet version to install (default: the cluster file's, else ${DEFAULT_KUBERNETES_VERSION})`)
      .option('--kubelet-from <file>', 'kubelet.exe from this file instead of the release download (this machine only)')
      .option('--node-name <name>', "the node's name, which the kubelet service registers (default: the host's name)")
      .option('--dry-run', 'print the steps the host needs; change nothing'),
  ).action((opts: PrepareFlags) => runPrepare(opts, env));
}
