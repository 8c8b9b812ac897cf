/**
 * What a CoreDNS release says about a plugin or option (the corefile-migration model): its status there and the
 * action that migrates it, and what a release adds as a new default.
 */
import type { Corefile, CorefileOption, CorefilePlugin, CorefileServer } from './corefile.js';

/**
 * - `deprecated`: still works; migrated only when asked to (`deprecations`) or once removed or ignored;
 * - `ignored`: CoreDNS accepts it and does nothing with it;
 * - `removed`: CoreDNS would exit on it;
 * - `newdefault`: added to the default Corefile; CoreDNS may not work well without it;
 * - `unsupported`: unknown to this table (left untouched).
 */
export type Severity = 'deprecated' | 'ignored' | 'removed' | 'newdefault' | 'unsupported';

export interface OptionRule {
  status?: Severity;
  replacedBy?: string;
  /** Returns the migrated option, or undefined to drop it. */
  action?: (option: CorefileOption) => CorefileOption | undefined;
  /** For `newdefault`: the option added to a plugin that lacks it. */
  add?: CorefileOption;
}

export interface PluginRule {
  status?: Severity;
  replacedBy?: string;
  /** Returns the migrated plugin, or undefined to drop it (and its options). */
  action?: (plugin: CorefilePlugin) => CorefilePlugin | undefined;
  /** For `newdefault`: adds the plugin to a server block that lacks it (or leaves the block as it is). */
  add?: (server: CorefileServer) => void;
  options?: Readonly<Record<string, OptionRule>>;
  /** Options named by a pattern (the `hosts` plugin's address lines). */
  patternOptions?: ReadonlyArray<readonly [RegExp, OptionRule]>;
}

export type PluginTable = Readonly<Record<string, PluginRule>>;

/** A Corefile-wide step of a release, for changes beyond one plugin (moving plugins into new server blocks). */
export type CorefileStep = (corefile: Corefile) => void;

/** A Corefile a release's step cannot migrate (the message says what in it). */
export class CannotMigrate extends Error {}

/** Options with nothing to migrate, from a space-separated list of names. */
export function plainOptions(names: string): Record<string, OptionRule> {
  return Object.fromEntries(names.split(' ').map((name) => [name, {}]));
}

export function optionRule(plugin: PluginRule | undefined, name: string): OptionRule | undefined {
  return plugin?.options?.[name] ?? plugin?.patternOptions?.find(([pattern]) => pattern.test(name))?.[1];
}

export const removeOption = (): undefined => undefined;

export function useFirstArgumentOnly(option: CorefileOption): CorefileOption {
  return { ...option, args: option.args.slice(0, 1) };
}

const plugin = (name: string, args: string[] = []): CorefilePlugin => ({ name, args, options: [] });

/** A new default plugin goes into the server blocks that hold one of `beside` (every block when empty). */
export function addPlugin(name: string, beside: string[]): (server: CorefileServer) => void {
  return (server) => {
    if (beside.length === 0 || server.plugins.some((p) => beside.includes(p.name))) server.plugins.push(plugin(name));
  };
}

/** `proxy` options as `forward` spells them: `least_conn` and `force_tcp` kept in forward's words, the rest dropped. */
const proxyToForwardOptions: Record<string, OptionRule> = {
  policy: { action: (o) => (o.args.length === 1 && o.args[0] === 'least_conn' ? { name: 'force_tcp', args: [] } : o) },
  except: {},
  fail_timeout: { action: removeOption },
  max_fails: { action: removeOption },
  health_check: { action: removeOption },
  spray: { action: removeOption },
  protocol: { action: (o) => (o.args.length >= 2 && o.args[0] === 'force_tcp' ? { name: 'force_tcp', args: [] } : undefined) },
};

export function proxyToForward(status: Severity): PluginRule {
  return { status, replacedBy: 'forward', action: (p) => ({ ...p, name: 'forward' }), options: proxyToForwardOptions };
}

/** `proxy … { protocol https_google }` went away in CoreDNS 1.2.0. */
export function dropHttpsGoogle(option: CorefileOption): CorefileOption | undefined {
  return option.args[0] === 'https_google' ? undefined : option;
}

const isDefaultZone = (server: CorefileServer) => server.keys.length === 1 && (server.keys[0] === '.' || server.keys[0] === '.:53');

/**
 * CoreDNS 1.4.0/1.5.0: a `forward` for a zone other than `.` moves out of the main block into a server block of its
 * own for that zone, with `loop`, `errors` and `cache 30` beside it (the stub-domain layout kubeadm writes).
 */
export function forwardZonesToServerBlocks(corefile: Corefile): void {
  for (const server of [...corefile.servers]) {
    const zoned = server.plugins.filter((p) => p.name === 'forward' && p.args[0] !== '.');
    if (zoned.length === 0) continue;
    if (zoned.some((p) => p.args.length === 0)) throw new CannotMigrate(`server block "${server.keys.join(' ')}" has a forward plugin without a zone`);
    if (!isDefaultZone(server)) {
      throw new CannotMigrate(
        `server block "${server.keys.join(' ')}" forwards zone "${zoned[0].args[0]}": only the "." block's stub zones can be moved to blocks of their own`,
      );
    }
    for (const forward of zoned) {
      const moved = { ...forward, args: ['.', ...forward.args.slice(1)] };
      corefile.servers.push({ keys: [forward.args[0]], plugins: [moved, plugin('loop'), plugin('errors'), plugin('cache', ['30'])] });
    }
    server.plugins = server.plugins.filter((p) => !zoned.includes(p));
  }
}

/** CoreDNS 1.8.0: `kubernetes { transfer to … }` becomes a `transfer` plugin for the kubernetes zone. */
export function kubernetesTransferToPlugin(corefile: Corefile): void {
  for (const server of corefile.servers) {
    const kubernetes = server.plugins.filter((p) => p.name === 'kubernetes');
    const to = kubernetes.flatMap((p) => p.options.filter((o) => o.name === 'transfer').map((o) => o.args)).at(-1) ?? [];
    if (to.length < 2) continue;
    server.plugins.push({ name: 'transfer', args: kubernetes.at(-1)!.args.slice(0, 1), options: [{ name: 'to', args: to.slice(1) }] });
  }
}
