/**
 * The kubelet's files on a node (flags env, instance config, config.yaml) and its (re)start: what kubeadm's
 * kubelet-start writes on `init` and `join`; `upgrade` rewrites config.yaml from the same source. What differs on a
 * Windows node (CRI endpoint, its kubelet settings) comes from its kubelet platform; the flags file is the same: kubeadm
 * computes the same flags on Windows (its --pod-infra-container-image is for releases before 1.27, older than bosun's).
 */
import type { InitConfig } from '../config/types.js';
import type { Host } from '../host/host.js';
import { KUBELET_CONFIG_FILE, KUBELET_DIR, KUBELET_FLAGS_FILE } from '../kube/paths.js';
import { KUBELET_FILE_MODE, KUBELET_INSTANCE_CONFIG_FILE, renderInstanceConfiguration } from '../kubelet/config.js';
import { renderKubeletFlagsEnv } from '../kubelet/flags.js';
import { ensureDir, writeFilesIfChanged } from './files.js';
import { kubeletPlatform } from './kubelet-platform.js';
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

/** Writes the kubelet's flags, instance and configuration files where they differ; returns whether any changed. */
async function writeKubeletFiles(host: Host, log: Log, cfg: InitConfig, node: KubeletNode): Promise<boolean> {
  const nodeReg = cfg.init.nodeRegistration;
  const platform = kubeletPlatform(host);
  const criSocket = platform.criSocket(nodeReg.criSocket);
  const config = await platform.configFile(host, cfg, criSocket);
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
