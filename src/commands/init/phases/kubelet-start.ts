import { DEFAULTS } from '../../../config/defaults.js';
import { KUBELET_CONFIG_FILE, KUBELET_DIR, KUBELET_FLAGS_FILE } from '../../../kube/paths.js';
import { ensureDir, writeFileIfChanged } from '../../../host/ensure-file.js';
import type { Host } from '../../../host/host.js';
import { localMachine, type Machine } from '../../../host/machine.js';
import {
  KUBELET_FILE_MODE,
  KUBELET_INSTANCE_CONFIG_FILE,
  clusterKubeletConfiguration,
  nodeKubeletConfiguration,
  renderInstanceConfiguration,
  renderKubeletConfiguration,
} from '../../../kubelet/config.js';
import { renderKubeletFlagsEnv } from '../../../kubelet/flags.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

/** The kubelet directory holds its client keys later: owner-only, as kubeadm creates it. */
const KUBELET_DIR_MODE = 0o700;

/** Whether systemd-resolved runs on the node (then the kubelet must read its real resolv.conf). Unknown offline: no. */
async function systemdResolvedActive(host: Host): Promise<boolean> {
  if (host.offline) return false;
  try {
    return (await host.exec('systemctl', ['is-active', '--quiet', 'systemd-resolved'], { check: false })).code === 0;
  } catch {
    return false; // no systemctl: no systemd-resolved either
  }
}

/** Writes the kubelet's flags, instance and configuration files; (re)starts the kubelet. */
/** `registerTaints`: a joining worker registers with its taints (a control-plane node gets them from mark-control-plane). */
export async function runKubeletStart(ctx: Pick<InitContext, 'host' | 'cfg'>, io: PhaseIO, machine: Machine = localMachine, registerTaints = false): Promise<void> {
  const { host, cfg } = ctx;
  const nodeReg = cfg.init.nodeRegistration;
  const criSocket = nodeReg.criSocket || DEFAULTS.criSocket;
  const kubeletConfig = nodeKubeletConfiguration(clusterKubeletConfiguration(cfg.kubelet, cfg.cluster), {
    criSocket,
    systemdResolved: await systemdResolvedActive(host),
  });
  const files: [string, string, string][] = [
    [KUBELET_FLAGS_FILE, renderKubeletFlagsEnv(nodeReg, machine.hostname(), registerTaints), 'Writing kubelet environment file with flags to file'],
    [KUBELET_INSTANCE_CONFIG_FILE, renderInstanceConfiguration(criSocket), 'Writing kubelet configuration to file'],
    [KUBELET_CONFIG_FILE, renderKubeletConfiguration(kubeletConfig), 'Writing kubelet configuration to file'],
  ];
  await ensureDir(host, KUBELET_DIR, KUBELET_DIR_MODE);
  let changed = false;
  for (const [file, content, action] of files) {
    const written = await writeFileIfChanged(host, file, content, KUBELET_FILE_MODE);
    io.log(written ? `[kubelet-start] ${action} "${file}"` : `[kubelet-start] "${file}" is up to date`);
    changed ||= written;
  }
  // The files are replaced atomically, so unlike kubeadm the kubelet need not be stopped while they are written.
  // A restart picks up changed files; with nothing changed, start only makes sure it runs. Offline hosts skip both.
  io.log('[kubelet-start] Starting the kubelet');
  const kubelet = host.service('kubelet');
  try {
    await (changed ? kubelet.restart() : kubelet.start());
  } catch (err) {
    io.log(`[kubelet-start] WARNING: unable to start the kubelet service: [${err instanceof Error ? err.message : String(err)}]`);
    io.log('[kubelet-start] Please ensure kubelet is reloaded and running manually.');
  }
}

export const kubeletStartPhase: Phase<InitContext> = {
  name: 'kubelet-start',
  description: 'Write kubelet settings and (re)start the kubelet',
  help:
    `Writes ${KUBELET_FLAGS_FILE}, ${KUBELET_INSTANCE_CONFIG_FILE} and ${KUBELET_CONFIG_FILE} (mode 0644), ` +
    'then restarts the kubelet service (not with --rootfs or --dry-run).',
  run: (ctx, io) => runKubeletStart(ctx, io),
};
