/**
 * Which settings each addon takes and what values they may have, checked before anything is read or applied:
 * the same checks for `bosun addon` flags, an init config's AddonConfiguration and a cluster file's `addons`.
 */
import { parseIP } from '../config/net.js';
import { quote } from '../errors.js';
import type { AddonDefinition, AddonSettings } from './addon.js';

export type SettingName = keyof AddonSettings;

export interface SettingProblem {
  setting: SettingName;
  problem: string;
}

/** The addons each setting means something to (the version means something to all). */
const TAKEN_BY: Record<Exclude<SettingName, 'version'>, readonly string[]> = {
  windows: ['flannel'],
  mode: ['calico'],
  localDNS: ['nodelocaldns'],
  skipCorefileMigration: ['coredns'],
};

export const CALICO_MODES = ['operator', 'manifest'] as const;

/** `1.2.3` and `v1.2.3` name the same release; the addon's own spelling is the one used. */
export function versionOf(addon: AddonDefinition, asked: string): string | undefined {
  return addon.versions.find((v) => v === asked || v.replace(/^v/, '') === asked.replace(/^v/, ''));
}

function valueProblem(addon: AddonDefinition, setting: SettingName, value: unknown): string | undefined {
  if (setting === 'version' && addon.versions.length && !versionOf(addon, String(value))) {
    return `${quote(String(value))} is not a version bosun has for ${addon.name}; expected one of ${addon.versions.join(', ')}`;
  }
  if (setting === 'mode' && !CALICO_MODES.includes(value as (typeof CALICO_MODES)[number])) {
    return `${quote(String(value))} is not a Calico install mode; expected one of ${CALICO_MODES.join(', ')}`;
  }
  if (setting === 'localDNS' && !parseIP(String(value))) return `${quote(String(value))} is not an IP address; expected e.g. 169.254.20.10`;
  return undefined;
}

/** Every problem with the settings for this addon: one it does not take, or a value it cannot have. */
export function settingsProblems(addon: AddonDefinition, settings: AddonSettings): SettingProblem[] {
  const problems: SettingProblem[] = [];
  for (const [setting, value] of Object.entries(settings) as Array<[SettingName, unknown]>) {
    if (value === undefined || value === false) continue;
    const takers = setting === 'version' ? undefined : TAKEN_BY[setting];
    if (takers && !takers.includes(addon.name)) {
      problems.push({ setting, problem: `addon ${addon.name} takes no such setting (only ${takers.join(', ')} does)` });
      continue;
    }
    const problem = valueProblem(addon, setting, value);
    if (problem) problems.push({ setting, problem });
  }
  return problems;
}
