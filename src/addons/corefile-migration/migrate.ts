/**
 * Moves a Corefile from one CoreDNS release to a later one, release by release, as `coredns/corefile-migration`'s
 * `Migrate` does: each plugin and option the release has a rule for is migrated (deprecated ones only when asked,
 * or once they are removed or ignored), new default plugins and options are added, and the release's Corefile-wide
 * steps run. Plugins and options the table does not know are left as they are.
 *
 * One deliberate difference: a renamed plugin's options are migrated by the rules of the plugin they came from
 * (`proxy`'s `fail_timeout` is dropped on the way to `forward`); the library looks them up under the new name.
 */
import { UserError } from '../../errors.js';
import { parseCorefile, printCorefile, type Corefile, type CorefileOption, type CorefilePlugin, type CorefileServer } from './corefile.js';
import { deprecatedNotices, describeNotice, releasesBetween } from './notices.js';
import { releaseVersion, type Release } from './releases.js';
import { CannotMigrate, optionRule, type PluginRule } from './rules.js';

export interface MigrateOptions {
  /** Migrate deprecated plugins and options as soon as they are deprecated, not only once removed or ignored. */
  deprecations: boolean;
}

export interface MigratedCorefile {
  corefile: string;
  /** What the upgrade means for this Corefile, one line per plugin or option and release (and lost comments). */
  notes: string[];
}

function migrateOptions(plugin: CorefilePlugin, rule: PluginRule, deprecations: boolean): CorefileOption[] {
  const options = plugin.options.flatMap((option) => {
    const own = optionRule(rule, option.name);
    const action = own?.action && (deprecations || own.status !== 'deprecated') ? own.action : undefined;
    return (action ? action(option) : option) ?? [];
  });
  for (const [name, { status, add }] of Object.entries(rule.options ?? {})) {
    if (status === 'newdefault' && add && !plugin.options.some((o) => o.name === name)) options.push({ ...add });
  }
  return options;
}

function migratePlugin(plugin: CorefilePlugin, release: Release, deprecations: boolean): CorefilePlugin | undefined {
  const rule = release.plugins[plugin.name];
  if (!rule || (!deprecations && rule.status === 'deprecated')) return plugin;
  const migrated = rule.action ? rule.action(plugin) : plugin;
  return migrated && { ...migrated, options: migrateOptions(migrated, rule, deprecations) };
}

function migrateServer(server: CorefileServer, release: Release, deprecations: boolean): CorefileServer {
  const plugins = server.plugins.flatMap((plugin) => migratePlugin(plugin, release, deprecations) ?? []);
  const migrated = { keys: server.keys, plugins };
  for (const [name, rule] of Object.entries(release.plugins)) {
    if (rule.status === 'newdefault' && rule.add && !server.plugins.some((p) => p.name === name)) rule.add(migrated);
  }
  return migrated;
}

function step(corefile: Corefile, release: Release, deprecations: boolean): Corefile {
  try {
    release.preProcess?.(corefile);
    const migrated = { ...corefile, servers: corefile.servers.map((server) => migrateServer(server, release, deprecations)) };
    release.postProcess?.(migrated);
    return migrated;
  } catch (error) {
    if (!(error instanceof CannotMigrate)) throw error;
    throw new UserError({ what: `the Corefile cannot be migrated to CoreDNS ${release.version}: ${error.message}`, cause: error });
  }
}

/**
 * The Corefile for CoreDNS `to`, migrated from `from` (`v` prefixes allowed), and what the migration means. Going
 * back, an unknown release, or a Corefile the model cannot hold (a block inside an option, unbalanced braces) is an
 * error naming it; `from` equal to `to` gives the text back unchanged.
 */
export function migrateCorefile(text: string, from: string, to: string, { deprecations }: MigrateOptions): MigratedCorefile {
  const releases = releasesBetween(from, to);
  if (releaseVersion(from) === releaseVersion(to)) return { corefile: text, notes: [] };
  const parsed = parseCorefile(text);
  const migrated = releases.reduce((corefile, release) => step(corefile, release, deprecations), parsed);
  const notes = deprecatedNotices(text, from, to).map(describeNotice);
  if (parsed.hadComments) notes.push('Comments in the Corefile are not kept by the migration (the old text stays in Corefile-backup).');
  return { corefile: printCorefile(migrated), notes };
}
