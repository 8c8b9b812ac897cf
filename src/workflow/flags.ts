/** What commands share in reading their flags and environment. */
import { Option } from 'commander';
import type { KubeconfigSearch } from '../cluster/kubeconfig-path.js';
import { parsePort } from '../config/net.js';
import { ConfigError } from '../errors.js';
import { quote } from '../errors.js';

/**
 * A comma-separated, repeatable flag (`--skip-phases a,b --skip-phases c`) as commander's option parser: the values
 * of every occurrence, trimmed, empty ones dropped.
 */
export const commaList = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

/**
 * A port flag (`--apiserver-bind-port`) as commander's option parser: decimal digits from 1 to 65535, else refused
 * naming the flag (Number() would take `0x1bb` and `1e3`, and turn `abc` into NaN, which defaults read as unset).
 */
export const portFlag =
  (flag: string) =>
  (value: string): number => {
    const port = parsePort(value);
    if (port === undefined) throw new ConfigError(undefined, undefined, flag, `${quote(value)} is not a port; expected a decimal number from 1 to 65535`);
    return port;
  };

/**
 * What bosun reads of its environment, read once at the CLI entry (the only place, with the doors, that reads
 * the process environment and the home directory) and handed to the commands, with what bosun knows of itself.
 */
export interface CommandEnvironment {
  /** `$KUBECONFIG`, a path list. */
  kubeconfig?: string;
  /** The user's home directory. */
  home: string;
  /** `$XDG_STATE_HOME`. */
  stateHome?: string;
  /** bosun's own version (its package.json's). */
  bosunVersion: string;
  /** The process environment, for what reads variables it is told the names of (an SSH key's passphrase, the ssh-agent's socket). */
  variables: Readonly<Record<string, string | undefined>>;
}

/** `--kubeconfig` of a command that talks to an existing cluster (found as resolveKubeconfig says without it). */
export const kubeconfigOption = () =>
  new Option(
    '--kubeconfig <file>',
    'the kubeconfig to reach the cluster with (default: the first of $KUBECONFIG, /etc/kubernetes/admin.conf, ~/.kube/config that exists)',
  );

/** Where to look for the kubeconfig: the flag, then the environment the CLI entry read. */
export const kubeconfigSearch = (flag: string | undefined, env: CommandEnvironment): KubeconfigSearch => ({ flag, env: env.kubeconfig, home: env.home });
