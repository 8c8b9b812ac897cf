import { Command, CommanderError } from 'commander';
import { UserError } from '../errors.js';
import { registerConfig } from './config-command.js';
import { registerInit } from '../init/command.js';
import { registerSandbox } from '../sandbox/command.js';
import { VERSION } from '../version.js';

function program(): Command {
  const root = new Command('bosun')
    .description('Cluster lifecycle for Kubernetes: init, join, upgrade, migrate and addons, kubeadm-compatible.')
    .version(VERSION, '--version', 'print the bosun version')
    .showHelpAfterError()
    // Root options only before the command: `bosun sandbox up --version v1.37.1` is the sandbox's flag.
    .enablePositionalOptions()
    .exitOverride();
  registerInit(root);
  registerConfig(root);
  registerSandbox(root);
  return root;
}

/** Runs the CLI and returns the exit code; errors the user can fix are printed without a stack. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof UserError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`error: ${err instanceof Error ? (process.env.BOSUN_DEBUG ? err.stack : err.message) : String(err)}\n`);
    return 1;
  }
}
