import path from 'node:path/posix';
import { isDeepStrictEqual } from 'node:util';
import type { InitConfig } from '../../../config/types.js';
import { readText, type Host } from '../../../host/host.js';
import { KUBELET_CONFIG_FILE } from '../../../kube/paths.js';
import { KUBELET_FILE_MODE, SYSTEMD_RESOLVED_RESOLV_CONF } from '../../../kubelet/config.js';
import { kubeletConfigFile, kubeletPlatform } from '../../../node/kubelet-platform.js';
import type { Log } from '../../../node/log.js';
import { parseYaml } from '../../../util/yaml.js';
import type { Phase } from '../../../workflow/phase.js';
import { backupDirs, ensureBackupDir } from '../backup.js';
import type { NodeIdentity } from '../../../config/stored.js';
import type { UpgradeContext } from '../context.js';

/**
 * Rewrites this node's kubelet configuration from the cluster's (`cfg`: the kubelet-config ConfigMap at the target
 * version) with the node's own settings kept: its CRI socket and systemd-resolved's resolv.conf, or on a Windows
 * host containerd's named pipe and the Windows kubelet settings. The previous file is backed up first, under the
 * backup directories of the run `stamp` names. The kubelet reads it when it restarts.
 */
export async function upgradeKubeletConfig(host: Host, log: Log, cfg: InitConfig, node: NodeIdentity, stamp: string): Promise<void> {
  const current = await readText(host, KUBELET_CONFIG_FILE);
  const resolvConf = current === undefined ? undefined : (parseYaml(current) as { resolvConf?: string } | null)?.resolvConf;
  const platform = kubeletPlatform(host);
  const criSocket = node.criSocket ?? platform.criSocket(cfg.init.nodeRegistration.criSocket);
  // A Linux node keeps the resolv.conf its file has (systemd-resolved's is set where that service ran at join).
  const next =
    platform.os === 'windows'
      ? await platform.configFile(host, cfg, criSocket)
      : kubeletConfigFile(cfg, { criSocket, systemdResolved: resolvConf === SYSTEMD_RESOLVED_RESOLV_CONF });
  // The same settings in another key order are the same configuration: the file is left alone.
  if (current !== undefined && isDeepStrictEqual(parseYaml(current), parseYaml(next))) {
    return log(`[upgrade/kubelet-config] "${KUBELET_CONFIG_FILE}" is up to date`);
  }
  if (current !== undefined) {
    const dir = backupDirs(stamp).kubelet;
    const backup = path.join(dir, 'config.yaml');
    await ensureBackupDir(host, dir);
    log(`[upgrade] Backing up kubelet config file to ${backup}`);
    await host.writeFileAtomic(backup, current, KUBELET_FILE_MODE);
  }
  await host.writeFileAtomic(KUBELET_CONFIG_FILE, next, KUBELET_FILE_MODE);
  log(`[kubelet-start] Writing kubelet configuration to file "${KUBELET_CONFIG_FILE}"`);
  log('[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!');
}

export const kubeletConfigPhase: Phase<UpgradeContext> = {
  name: 'kubelet-config',
  description: 'Upgrade the kubelet configuration for this node',
  help: `Rewrites ${KUBELET_CONFIG_FILE} from the kubelet-config ConfigMap (the node's CRI socket kept), backing up the old file under /etc/kubernetes/tmp.`,
  run: async (ctx, io) => {
    const [cfg, node] = await Promise.all([ctx.config(), ctx.node()]);
    await upgradeKubeletConfig(ctx.host, io.log, cfg, node, ctx.run.stamp);
  },
};
