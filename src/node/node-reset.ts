/**
 * The node-side steps of a reset that run commands on the node: the kubelet stopped, its mounts unmounted, the
 * network's leftovers cleaned. Commands run only where they reach the node (see commandsReachNode); a node under a
 * directory of this machine has only files, and those steps say what they leave.
 */
import { readText, type Host } from '../host/host.js';
import { KUBELET_DIR } from '../kube/paths.js';
import { withoutKubeRules } from '../kube/proxy-rules.js';
import { cleanDirectory, commandsReachNode, mountsUnder } from './reset-files.js';

type Log = (line: string) => void;

/** Where CNI plugins read their network configuration (and where kubeadm's reset leaves it). */
export const CNI_CONFIG_DIR = '/etc/cni/net.d';

/** Stops the kubelet so it writes nothing back; a failure is a warning, as kubeadm has it: the files still go. */
export async function stopKubelet(host: Host, log: Log): Promise<void> {
  log('[reset] Stopping the kubelet service');
  await host
    .service('kubelet')
    .stop()
    .catch((err: unknown) => log(`[reset] WARNING: the kubelet service could not be stopped: ${(err as Error).message}; please ensure it is stopped`));
}

/** Unmounts what is mounted under the kubelet's directory (Pods' volumes), deepest first, so its contents can go. */
export async function unmountKubeletDirectory(host: Host, log: Log): Promise<void> {
  if (!commandsReachNode(host)) return log(`[reset] The node's files are under ${host.root}: no mounts under "${KUBELET_DIR}" to unmount from here`);
  log(`[reset] Unmounting mounted directories in "${KUBELET_DIR}"`);
  for (const point of mountsUnder((await readText(host, '/proc/mounts')) ?? '', KUBELET_DIR)) await host.exec('umount', [point]);
}

/** Whether the node has a command (`command -v`, which every POSIX shell has). */
async function hasCommand(host: Host, name: string): Promise<boolean> {
  return (await host.exec('sh', ['-c', `command -v ${name}`], { check: false })).code === 0;
}

/** kube-proxy's iptables chains and rules, for IPv4 and IPv6, with the node's own iptables-save and iptables-restore. */
async function removeKubeProxyRules(host: Host, log: Log): Promise<void> {
  for (const family of ['iptables', 'ip6tables']) {
    if (!(await hasCommand(host, `${family}-save`)) || !(await hasCommand(host, `${family}-restore`))) {
      log(`[reset] ${family}-save or ${family}-restore is not on the node: no ${family} rules to clean`);
      continue;
    }
    const cleaned = withoutKubeRules((await host.exec(`${family}-save`, [])).stdout);
    if (cleaned === undefined) {
      log(`[reset] No kube-proxy ${family} rules on the node`);
      continue;
    }
    await host.exec(`${family}-restore`, [], { input: cleaned });
    log(`[reset] Removed the KUBE-* ${family} chains and the rules jumping to them`);
  }
  if (!(await hasCommand(host, 'ipvsadm'))) return log('[reset] ipvsadm is not on the node: no IPVS virtual servers to clean');
  await host.exec('ipvsadm', ['--clear']);
  log('[reset] Cleared the IPVS virtual servers');
}

/** `--cleanup-network`: the CNI configuration, then kube-proxy's rules where commands reach the node. */
export async function cleanupNetwork(host: Host, log: Log): Promise<void> {
  log(`[reset] Deleting contents of directories: [${CNI_CONFIG_DIR}]`);
  await cleanDirectory(host, CNI_CONFIG_DIR);
  if (!commandsReachNode(host)) return log(`[reset] The node's files are under ${host.root}: its iptables and IPVS rules are not this machine's and are left`);
  await removeKubeProxyRules(host, log);
}
