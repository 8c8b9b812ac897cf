import os from 'node:os';
import { Command } from 'commander';
import { exitCodesHelp, reportError } from './report.js';
import { secretArguments, withoutSecretArguments } from './secret-arguments.js';
import { VERSION } from './version.js';
import { engineRunSupport } from './engine-run.js';
import { refuseFlagsAsValues } from './flag-values.js';
import type { CommandEnvironment } from '../workflow/flags.js';
import type { CommandPhases } from '../commands/config/documents.js';

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
  config: async () => {
    const { registerConfig } = await import('../commands/config/command.js');
    return (program) => registerConfig(program, commandPhases);
  },
  sandbox: async () => (await import('../sandbox/command.js')).registerSandbox,
  upgrade: async () => (await import('../commands/upgrade/command.js')).registerUpgrade,
  drain: async () => (await import('../commands/drain/command.js')).registerDrain,
  cordon: async () => (await import('../commands/drain/command.js')).registerCordon,
  uncordon: async () => (await import('../commands/drain/command.js')).registerUncordon,
  migrate: async () => (await import('../commands/migrate/index.js')).registerMigrate,
  addon: async () => (await import('../commands/addon/command.js')).registerAddon,
  node: async () => (await import('../commands/node/command.js')).registerNode,
  certs: async () => (await import('../commands/certs/command.js')).registerCerts,
  kubeconfig: async () => (await import('../commands/kubeconfig/command.js')).registerKubeconfig,
  reset: async () => (await import('../commands/reset/command.js')).registerReset,
};

/** init's and join's phase paths, for `config validate` to check skipPhases against (loaded only then). */
async function commandPhases(): Promise<CommandPhases> {
  const [{ initPhases }, { joinPhases }, { phasePaths }] = await Promise.all([
    import('../commands/init/phases.js'),
    import('../commands/join/phases.js'),
    import('../workflow/phase.js'),
  ]);
  return { init: phasePaths(initPhases), join: phasePaths(joinPhases) };
}

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

/** `bosun upgrade plan`: the command an action runs, as typed. */
function commandLine(action: Command): string {
  const names: string[] = [];
  for (let c: Command | null = action; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** What a run is doing, for an internal error's report: set once commander has chosen the command. */
interface Doing {
  what: string;
}

async function program(argv: string[], engineRun: ReturnType<typeof engineRunSupport>, doing: Doing): Promise<Command> {
  const root = new Command('bosun')
    .description('Cluster lifecycle for Kubernetes: init, join, upgrade, migrate and addons, kubeadm-compatible.')
    .version(VERSION, '--version', 'print the bosun version')
    .showHelpAfterError()
    // Root options only before the command: `bosun sandbox up --version v1.37.1` is the sandbox's flag.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(withoutSecretArguments(text, secretArguments(argv))) })
    .addHelpText('after', exitCodesHelp())
    .hook('preAction', (_root, action) => {
      doing.what = `running "${commandLine(action)}"`;
      refuseFlagsAsValues(action);
      engineRun.prepare(action);
    });
  const registers = await Promise.all(chosenCommands(argv).map((name) => COMMANDS[name]()));
  const env = environment();
  for (const register of registers) register(root, env);
  return root;
}

/** Runs the CLI and returns the exit code (README "Exit codes"); errors the user can fix are printed without a stack. */
export async function main(argv: string[]): Promise<number> {
  const engineRun = engineRunSupport();
  const doing: Doing = { what: 'reading the command line' };
  try {
    await (await program(argv, engineRun, doing)).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const report = reportError(err, doing.what, !!process.env.BOSUN_DEBUG);
    process.stderr.write(withoutSecretArguments(report.text, secretArguments(argv)));
    return report.code;
  } finally {
    engineRun.dispose();
  }
}
