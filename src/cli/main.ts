import os from 'node:os';
import { Command, CommanderError } from 'commander';
import { UserError } from '../errors.js';
import { VERSION } from './version.js';
import { engineRunSupport } from './engine-run.js';
import type { CommandEnvironment } from '../workflow/flags.js';

type Register = (program: Command, env: CommandEnvironment) => void;

/**
 * Every top-level command and the module that defines it. A run loads only the module of the command it
 * names (a CLI started many times a minute should not load the sandbox to run `init phase certs`);
 * help and unknown words load them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  apply: async () => (await import('../commands/apply/command.js')).registerApply,
  init: async () => (await import('../commands/init/command.js')).registerInit,
  join: async () => (await import('../commands/join/command.js')).registerJoin,
  token: async () => (await import('../commands/token/command.js')).registerToken,
  config: async () => (await import('../commands/config/command.js')).registerConfig,
  sandbox: async () => (await import('../sandbox/command.js')).registerSandbox,
  upgrade: async () => (await import('../commands/upgrade/command.js')).registerUpgrade,
  drain: async () => (await import('../commands/drain/command.js')).registerDrain,
  cordon: async () => (await import('../commands/drain/command.js')).registerCordon,
  uncordon: async () => (await import('../commands/drain/command.js')).registerUncordon,
};

function chosenCommands(argv: string[]): string[] {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  if (name === undefined && argv.includes('--version')) return [];
  return name !== undefined && name in COMMANDS ? [name] : Object.keys(COMMANDS);
}

/** The environment, read here once: commands get it as an input. */
function environment(): CommandEnvironment {
  return {
    kubeconfig: process.env.KUBECONFIG,
    home: os.homedir(),
    stateHome: process.env.XDG_STATE_HOME || undefined,
    bosunVersion: VERSION,
    variables: process.env,
  };
}

async function program(argv: string[], engineRun: ReturnType<typeof engineRunSupport>): Promise<Command> {
  const root = new Command('bosun')
    .description('Cluster lifecycle for Kubernetes: init, join, upgrade, migrate and addons, kubeadm-compatible.')
    .version(VERSION, '--version', 'print the bosun version')
    .showHelpAfterError()
    // Root options only before the command: `bosun sandbox up --version v1.37.1` is the sandbox's flag.
    .enablePositionalOptions()
    .exitOverride()
    .hook('preAction', (_root, action) => engineRun.prepare(action));
  const registers = await Promise.all(chosenCommands(argv).map((name) => COMMANDS[name]()));
  const env = environment();
  for (const register of registers) register(root, env);
  return root;
}

/** Runs the CLI and returns the exit code; errors the user can fix are printed without a stack. */
export async function main(argv: string[]): Promise<number> {
  const engineRun = engineRunSupport();
  try {
    await (await program(argv, engineRun)).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof UserError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`error: ${err instanceof Error ? (process.env.BOSUN_DEBUG ? err.stack : err.message) : String(err)}\n`);
    return 1;
  } finally {
    engineRun.dispose();
  }
}
