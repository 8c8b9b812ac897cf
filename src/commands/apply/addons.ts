/** The cluster file's `spec.addons`: installed in order through the addon engine once the nodes converge. */
import { addonNamed } from '../../addons/catalog.js';
import { clusterAddonInput, storedInitConfig } from '../../addons/cluster-input.js';
import { requestSettings } from '../../addons/requests.js';
import { installAddon } from '../../addons/run-plan.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { AddonRequest, EnvVar } from '../../config/types.js';
import { DirManifestSource } from '../../host/manifest-source.js';
import { systemClock } from '../../workflow/doors.js';

/**
 * Each addon planned from the cluster's stored configuration (as `bosun addon install` plans it), printed and run:
 * an addon already as the file says changes nothing.
 */
export async function convergeAddons(cluster: Cluster, requests: readonly AddonRequest[], proxyEnv: EnvVar[], log: (line: string) => void): Promise<void> {
  if (!requests.length) return;
  log(`[apply] Installing the addons of the cluster file: ${requests.map((r) => r.name).join(', ')}`);
  const config = await storedInitConfig(cluster, proxyEnv);
  const manifests = new DirManifestSource();
  for (const request of requests) {
    const input = await clusterAddonInput(cluster, config, requestSettings(request), manifests);
    const { record } = await installAddon(addonNamed(request.name), input, { cluster, io: { log }, now: systemClock.now() });
    log(`[addons] ${request.name}: done (record ${record})`);
  }
}
