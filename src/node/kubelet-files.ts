/**
 * The kubelet's files on a node (flags env, instance config, config.yaml) and its (re)start: what kubeadm's
 * kubelet-start writes on `init` and `join`; `upgrade` rewrites config.yaml from the same source.
 */
import { DEFAULTS } from '../config/defaults.js';
import type { InitConfig } from '../config/types.js';
import type { Host } from '../host/host.js';
import { KUBELET_CONFIG_FILE, KUBELET_DIR, KUBELET_FLAGS_FILE } from '../kube/paths.js';
import {
  KUBELET_FILE_MODE,
  KUBELET_INSTANCE_CONFIG_FILE,
  clusterKubeletConfiguration,
  nodeKubeletConfiguration,
  renderInstanceConfiguration,
  renderKubeletConfiguration,
} from '../kubelet/config.js';
import { renderKubeletFlagsEnv } from '../kubelet/flags.js';
import { ensureDir, writeFilesIfChanged } from './files.js';
import type { Log } from './log.js';

/** The kubelet directory holds its client keys later: owner-only, as kubeadm creates it. */
const KUBELET_DIR_MODE = 0o700;

/** What of the node the kubelet's files name besides the configuration. */
export interface KubeletNode {
  /** The machine's hostname (the node name when none is configured). */
  hostname: string;
  /** A joining worker registers with its taints; a control-plane node gets them from mark-control-plane. */
  registerTaints: boolean;
}

/** Whether systemd-resolved runs on the node (then the kubelet must read its real resolv.conf). Unknown offline: no. */
async function systemdResolvedActive(host: Host): Promise<boolean> {
  if (host.offline) return false;
  try {
    return (await host.exec('systemctl', ['is-active', '--quiet', 'systemd-resolved'], { check: false })).code === 0;
  } catch {
    return false; // no systemctl: no systemd-resolved either
  }
}

/** config.yaml: the cluster's kubelet configuration with this node's CRI socket and resolv.conf. */
export function kubeletConfigFile(cfg: InitConfig, node: { criSocket: string; systemdResolved: boolean; windows?: boolean }): string {
  return renderKubeletConfiguration(nodeKubeletConfiguration(clusterKubeletConfiguration(cfg.kubelet, cfg.cluster), node));
}

/** Writes the kubelet's flags, instance and configuration files where they differ; returns whether any changed. */
async function writeKubeletFiles(host: Host, log: Log, cfg: InitConfig, node: KubeletNode): Promise<boolean> {
  const nodeReg = cfg.init.nodeRegistration;
  const criSocket = nodeReg.criSocket || DEFAULTS.criSocket;
  const config = kubeletConfigFile(cfg, { criSocket, systemdResolved: await systemdResolvedActive(host) });
  const files: [string, string, string][] = [
    [KUBELET_FLAGS_FILE, renderKubeletFlagsEnv(nodeReg, node.hostname, node.registerTaints), 'Writing kubelet environment file with flags to file'],
    [KUBELET_INSTANCE_CONFIG_FILE, renderInstanceConfiguration(criSocket), 'Writing kubelet configuration to file'],
    [KUBELET_CONFIG_FILE, config, 'Writing kubelet configuration to file'],
  ];
  await ensureDir(host, KUBELET_DIR, KUBELET_DIR_MODE);
  const written = await writeFilesIfChanged(
    host,
    files.map(([nodePath, data]) => ({ nodePath, data, mode: KUBELET_FILE_MODE })),
  );
  files.forEach(([file, , action], i) => log(written[i] ? `[kubelet-start] ${action} "${file}"` : `[kubelet-start] "${file}" is up to date`));
  return written.includes(true);
}

/** Writes the kubelet's files, then (re)starts the kubelet; a kubelet that cannot be started is warned about, as kubeadm does. */
export async function kubeletStart(host: Host, log: Log, cfg: InitConfig, node: KubeletNode): Promise<void> {
  const changed = await writeKubeletFiles(host, log, cfg, node);
  // The files are replaced atomically, so unlike kubeadm the kubelet need not be stopped while they are written.
  // A restart picks up changed files; with nothing changed, start only makes sure it runs. Offline hosts skip both.
  log('[kubelet-start] Starting the kubelet');
  const kubelet = host.service('kubelet');
  try {
    await (changed ? kubelet.restart() : kubelet.start());
  } catch (err) {
    log(`[kubelet-start] WARNING: unable to start the kubelet service: [${err instanceof Error ? err.message : String(err)}]`);
    log('[kubelet-start] Please ensure kubelet is reloaded and running manually.');
  }
}
