/**
 * How a command over many nodes (`upgrade nodes`, `apply`, `migrate`) opens each host's door: this machine (under a root directory, or `/`), or an SSH host of the
 * cluster file, all SSH hosts sharing one pool (one connection per host) and reached and verified (host key,
 * login, root) before anything changes on any of them.
 */
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import pLimit from 'p-limit';
import { UserError } from '../errors.js';
import { LocalHost } from '../host/local.js';
import { SshPool } from '../host/ssh/pool.js';
import { defaultKnownHostsFile, type SshEndpoint, type SshHostSettings } from '../host/ssh/settings.js';
import type { SshSettings } from '../inventory/inventory.js';
import type { HostOpener, NodeAccess, NodeSideWork } from './nodes.js';
import type { CommandEnvironment } from '../workflow/flags.js';

export interface HostFlags {
  knownHosts?: string;
  sshAcceptNewHostKeys?: boolean;
  parallel: number;
}

/** How SSH host keys are checked: for a command that reaches one host of a cluster file. */
export function addSshFlags(cmd: Command): Command {
  return cmd
    .option('--known-hosts <file>', 'the OpenSSH known_hosts file host keys are checked against (default ~/.ssh/known_hosts)')
    .option(
      '--ssh-accept-new-host-keys',
      'record the key of a host the known_hosts file does not hold instead of refusing it (a changed key is always refused)',
    );
}

export function addHostFlags(cmd: Command): Command {
  return addSshFlags(cmd).addOption(
    new Option('--parallel <n>', 'hosts worked on at once (connecting, and their node-side steps)').default(8).argParser((value) => {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw new UserError(`--parallel: expected a number of hosts (1 or more), got "${value}"`);
      return Number(value);
    }),
  );
}

/** Asks for a key's passphrase on the terminal, without echoing it. */
async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw new UserError(`${question.trim()} asked, but stdin is not a terminal: put the passphrase in the variable the cluster file's ssh.passphraseEnv names`);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const mute = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(question);
  mute._writeToOutput = () => undefined;
  try {
    return await rl.question('');
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

const expandHome = (file: string | undefined, home: string) => (file?.startsWith('~/') ? path.join(home, file.slice(2)) : file);

function endpoint(ssh: Omit<SshSettings, 'bastion'>, home: string): SshEndpoint {
  return { address: ssh.address, port: ssh.port, user: ssh.user, keyPath: expandHome(ssh.keyPath, home), passphraseEnv: ssh.passphraseEnv };
}

function sshSettings(host: NodeAccess, ssh: SshSettings, home: string): SshHostSettings {
  return { name: host.name, os: host.os, ...endpoint(ssh, home), bastion: ssh.bastion && endpoint(ssh.bastion, home) };
}

export class NodeHosts {
  private readonly pool: SshPool;

  constructor(
    private readonly flags: HostFlags,
    private readonly env: CommandEnvironment,
  ) {
    this.pool = new SshPool({
      knownHostsFile: flags.knownHosts ? path.resolve(flags.knownHosts) : defaultKnownHostsFile({ HOME: env.home }),
      acceptNewHostKeys: flags.sshAcceptNewHostKeys,
      env: env.variables,
      prompt: promptHidden,
    });
  }

  readonly open: HostOpener = (host) =>
    host.reach.via === 'local' ? new LocalHost(host.reach.root) : this.pool.host(sshSettings(host, host.reach.ssh, this.env.home));

  /** Reaches every SSH host among `hosts` (host key, login, root) before anything changes; one error names each failure. */
  async verify(hosts: NodeAccess[]): Promise<void> {
    const ssh = hosts.flatMap((h) => (h.reach.via === 'ssh' ? [sshSettings(h, h.reach.ssh, this.env.home)] : []));
    if (ssh.length) await this.pool.connectAll(ssh, this.flags.parallel);
  }

  /** Reaches one host (an SSH host's key, login, root); throws naming the host and why it cannot be reached. */
  async reach(host: NodeAccess): Promise<void> {
    if (host.reach.via === 'ssh') await this.pool.host(sshSettings(host, host.reach.ssh, this.env.home)).verify();
  }

  /** The node-side work with at most `--parallel` hosts in a step at once. */
  bounded(work: NodeSideWork): NodeSideWork {
    const limit = pLimit(this.flags.parallel);
    return Object.fromEntries(Object.entries(work).map(([step, run]) => [step, (ctx: Parameters<typeof run>[0]) => limit(() => run(ctx))]));
  }

  /** Connections per SSH host, for the run's last line: one each when nothing dropped. */
  dials(): Record<string, number> {
    return this.pool.dials();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
