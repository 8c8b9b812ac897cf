/**
 * What a CoreDNS upgrade means for a Corefile, release by release (the library's `Deprecated` and `Unsupported`):
 * plugins and options deprecated, ignored or removed on the way, new defaults that a migration adds, and what this
 * table does not know (left untouched by a migration).
 */
import { parseCorefile, type CorefilePlugin, type CorefileServer } from './corefile.js';
import { RELEASES, releaseIndex, type Release } from './releases.js';
import { optionRule, type PluginRule, type Severity } from './rules.js';
import { UserError } from '../../errors.js';

export interface CorefileNotice {
  plugin: string;
  option?: string;
  severity: Severity;
  /** The CoreDNS release the notice is about. */
  version: string;
  replacedBy?: string;
}

/** The library's wording: `Plugin "proxy" is removed in 1.5.0. It is replaced by "forward".` */
export function describeNotice(notice: CorefileNotice): string {
  const subject = notice.option ? `Option "${notice.option}" in plugin "${notice.plugin}"` : `Plugin "${notice.plugin}"`;
  const state =
    notice.severity === 'unsupported'
      ? `is unsupported by this migration tool in ${notice.version}.`
      : notice.severity === 'newdefault'
        ? `is added as a default in ${notice.version}.`
        : `is ${notice.severity} in ${notice.version}.`;
  return `${subject} ${state}${notice.replacedBy ? ` It is replaced by "${notice.replacedBy}".` : ''}`;
}

/**
 * The releases a migration from `from` to `to` goes through: those after `from`, up to `to` (just `from` when they
 * are the same). An unknown release, or `to` before `from` (the migration only goes forward), is an error.
 */
export function releasesBetween(from: string, to: string): Release[] {
  const start = releaseIndex(from, 'the installed');
  const end = releaseIndex(to, 'the target');
  if (end < start) {
    throw new UserError({ what: `cannot migrate the Corefile down from CoreDNS ${from} to ${to}`, expected: `a CoreDNS release ${from} or later` });
  }
  return start === end ? [RELEASES[start]] : RELEASES.slice(start + 1, end + 1);
}

/** Throws unless both are releases the table knows and `to` is `from` or later. */
export function validUpMigration(from: string, to: string): void {
  releasesBetween(from, to);
}

function pluginNotices(plugin: CorefilePlugin, rule: PluginRule, version: string): CorefileNotice[] {
  const at = { plugin: plugin.name, version };
  if (rule.status && rule.status !== 'newdefault') return [{ ...at, severity: rule.status, replacedBy: rule.replacedBy }];
  const notices: CorefileNotice[] = [];
  for (const option of plugin.options) {
    const status = optionRule(rule, option.name)?.status;
    if (status && status !== 'newdefault') notices.push({ ...at, option: option.name, severity: status });
  }
  for (const [name, { status }] of Object.entries(rule.options ?? {})) {
    if (status === 'newdefault' && !plugin.options.some((o) => o.name === name)) notices.push({ ...at, option: name, severity: 'newdefault' });
  }
  return notices;
}

function serverNotices(server: CorefileServer, release: Release): CorefileNotice[] {
  const notices = server.plugins.flatMap((plugin) => {
    const rule = release.plugins[plugin.name];
    return rule ? pluginNotices(plugin, rule, release.version) : [];
  });
  for (const [name, rule] of Object.entries(release.plugins)) {
    if (rule.status === 'newdefault' && !server.plugins.some((p) => p.name === name))
      notices.push({ plugin: name, severity: 'newdefault', version: release.version });
  }
  return notices;
}

/** Deprecated, ignored and removed plugins and options, and new defaults, in each release from `from` to `to`. */
export function deprecatedNotices(corefile: string, from: string, to: string): CorefileNotice[] {
  const releases = releasesBetween(from, to);
  const { servers } = parseCorefile(corefile);
  return releases.flatMap((release) => servers.flatMap((server) => serverNotices(server, release)));
}

/** kubeadm's rule: a Corefile must be migrated when a release on the way removes something in it or adds a default. */
export function migrationNeeded(notices: readonly CorefileNotice[]): boolean {
  return notices.some((n) => n.severity === 'removed' || n.severity === 'newdefault');
}

/**
 * Plugins, and options of known plugins, that the table does not know in a release from `from` to `to`, each named
 * with the release: a migration leaves them as they are, so they are for the operator to check (or to stop on).
 */
export function unsupportedPlugins(corefile: string, from: string, to: string): CorefileNotice[] {
  const releases = releasesBetween(from, to);
  const { servers } = parseCorefile(corefile);
  return releases.flatMap(({ version, plugins }) =>
    servers.flatMap((server) =>
      server.plugins.flatMap((plugin): CorefileNotice[] => {
        const rule = plugins[plugin.name];
        if (!rule) return [{ plugin: plugin.name, severity: 'unsupported', version }];
        return plugin.options.filter((o) => !optionRule(rule, o.name)).map((o) => ({ plugin: plugin.name, option: o.name, severity: 'unsupported', version }));
      }),
    ),
  );
}
