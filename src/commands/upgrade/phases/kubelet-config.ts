import path from 'node:path/posix';
import { isDeepStrictEqual } from 'node:util';
import { DEFAULTS } from '../../../config/defaults.js';
import { KUBELET_CONFIG_FILE } from '../../../kube/paths.js';
import { readText } from '../../../host/host.js';
import {
  KUBELET_FILE_MODE,
  SYSTEMD_RESOLVED_RESOLV_CONF,
  clusterKubeletConfiguration,
  nodeKubeletConfiguration,
  renderKubeletConfiguration,
} from '../../../kubelet/config.js';
import { parseYaml } from '../../../util/yaml.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import { backupDirs, ensureBackupDir } from '../backup.js';
import type { UpgradeContext } from '../context.js';

/**
 * Rewrites this node's kubelet configuration from the cluster's (the kubelet-config ConfigMap, at the target
 * version) with the node's own settings kept: its CRI socket and systemd-resolved's resolv.conf. The previous file
 * is backed up first. The kubelet reads it when it restarts.
 */
async function writeKubeletConfig(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  const { host } = ctx;
  const [cfg, node] = await Promise.all([ctx.config(), ctx.node()]);
  const current = await readText(host, KUBELET_CONFIG_FILE);
  const resolvConf = current === undefined ? undefined : (parseYaml(current) as { resolvConf?: string } | null)?.resolvConf;
  const next = renderKubeletConfiguration(
    nodeKubeletConfiguration(clusterKubeletConfiguration(cfg.kubelet, cfg.cluster), {
      criSocket: node.criSocket ?? cfg.init.nodeRegistration.criSocket ?? DEFAULTS.criSocket,
      systemdResolved: resolvConf === SYSTEMD_RESOLVED_RESOLV_CONF,
    }),
  );
  // The same settings in another key order are the same configuration: the file is left alone.
  if (current !== undefined && isDeepStrictEqual(parseYaml(current), parseYaml(next))) {
    return io.log(`[upgrade/kubelet-config] "${KUBELET_CONFIG_FILE}" is up to date`);
  }
  if (current !== undefined) {
    const dir = backupDirs(ctx.run.stamp).kubelet;
    const backup = path.join(dir, 'config.yaml');
    await ensureBackupDir(host, dir);
    io.log(`[upgrade] Backing up kubelet config file to ${backup}`);
    await host.writeFileAtomic(backup, current, KUBELET_FILE_MODE);
  }
  await host.writeFileAtomic(KUBELET_CONFIG_FILE, next, KUBELET_FILE_MODE);
  io.log(`[kubelet-start] Writing kubelet configuration to file "${KUBELET_CONFIG_FILE}"`);
  io.log('[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!');
}

export const kubeletConfigPhase: Phase<UpgradeContext> = {
  name: 'kubelet-config',
  description: 'Upgrade the kubelet configuration for this node',
  help: `Rewrites ${KUBELET_CONFIG_FILE} from the kubelet-config ConfigMap (the node's CRI socket kept), backing up the old file under /etc/kubernetes/tmp.`,
  run: writeKubeletConfig,
};
