/**
 * An addon asked for by name in a file: an init config's AddonConfiguration (`bosun.dev/v1alpha1`) or a cluster
 * file's `addons`. The schema checks names and settings against the catalog, so every problem names its field.
 */
import { z } from 'zod';
import { quote } from '../errors.js';
import type { AddonRequest } from '../config/types.js';
import type { AddonSettings } from './addon.js';
import { ADDONS } from './catalog.js';
import { settingsProblems } from './settings.js';

export const ADDON_CONFIGURATION_API_VERSION = 'bosun.dev/v1alpha1';
export const ADDON_CONFIGURATION_KIND = 'AddonConfiguration';

const addonRequestSchema = z
  .strictObject({
    name: z.string(),
    version: z.string().optional(),
    windows: z.boolean().optional(),
    mode: z.string().optional(),
    localDNS: z.string().optional(),
    skipCorefileMigration: z.boolean().optional(),
  })
  .check((ctx) => {
    const addon = ADDONS.find((a) => a.name === ctx.value.name);
    if (!addon) {
      const message = `${quote(ctx.value.name)} is not an addon bosun knows; expected one of ${ADDONS.map((a) => a.name).join(', ')}`;
      ctx.issues.push({ code: 'custom', input: ctx.value.name, path: ['name'], message });
      return;
    }
    for (const { setting, problem } of settingsProblems(addon, requestSettings(ctx.value))) {
      ctx.issues.push({ code: 'custom', input: ctx.value[setting], path: [setting], message: problem });
    }
  });

/** A list of addons, each named once, installed in the order given. */
export const addonRequestsSchema = z.array(addonRequestSchema).check((ctx) => {
  ctx.value.forEach((request, i) => {
    const first = ctx.value.findIndex((r) => r.name === request.name);
    if (first < i)
      ctx.issues.push({ code: 'custom', input: request.name, path: [i, 'name'], message: `${quote(request.name)} is listed twice (also at ${first})` });
  });
});

/** The body of an AddonConfiguration document (apiVersion and kind stripped). */
export const addonConfigurationSchema = z.strictObject({ addons: addonRequestsSchema });

export function requestSettings(request: AddonRequest): AddonSettings {
  const { name: _name, ...settings } = request;
  return settings;
}
