/** `bosun addon list`: every addon of the catalog, what the cluster runs and whether bosun installed it. */
import { ADDONS } from '../../addons/catalog.js';
import { readAddonRecords } from '../../addons/record.js';
import type { Cluster } from '../../cluster/cluster.js';
import { readStoredConfigTexts, storedClusterConfiguration, withClusterText } from '../../config/stored.js';
import { table } from '../../util/table.js';
import { emitYaml } from '../../util/yaml.js';

export interface AddonListItem {
  name: string;
  description: string;
  essential: boolean;
  /** The version its objects run, when it is there. */
  installedVersion?: string;
  /** bosun installed it (it has a key in kube-system/bosun-addons) and can remove it. */
  managed: boolean;
  /** The version bosun recorded, when managed. */
  recordedVersion?: string;
  /** What `bosun addon install` takes when no version is asked for. */
  defaultVersion: string;
}

export interface AddonList {
  apiVersion: 'bosun.dev/v1alpha1';
  kind: 'AddonList';
  kubernetesVersion: string;
  items: AddonListItem[];
}

export async function addonList(cluster: Cluster): Promise<AddonList> {
  const [texts, records] = await Promise.all([readStoredConfigTexts(cluster), readAddonRecords(cluster)]);
  const kubernetesVersion = storedClusterConfiguration(withClusterText(texts)).kubernetesVersion;
  const items = await Promise.all(
    ADDONS.map(async (addon): Promise<AddonListItem> => {
      const record = records.get(addon.name);
      return {
        name: addon.name,
        description: addon.description,
        essential: addon.essential,
        installedVersion: await addon.installedVersion(cluster),
        managed: record !== undefined,
        ...(record && { recordedVersion: record.version }),
        defaultVersion: addon.defaultVersion(kubernetesVersion),
      };
    }),
  );
  return { apiVersion: 'bosun.dev/v1alpha1', kind: 'AddonList', kubernetesVersion, items };
}

export type ListFormat = 'text' | 'json' | 'yaml';

export function formatAddonList(list: AddonList, format: ListFormat): string {
  if (format === 'json') return `${JSON.stringify(list, null, 2)}\n`;
  if (format === 'yaml') return emitYaml(list);
  const rows = list.items.map((i) => [i.name, i.installedVersion ?? '-', i.managed ? 'yes' : 'no', i.defaultVersion, i.description]);
  return table([['NAME', 'INSTALLED', 'MANAGED BY BOSUN', 'DEFAULT', 'DESCRIPTION'], ...rows]);
}
