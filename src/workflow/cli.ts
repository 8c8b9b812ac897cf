import type { Command } from 'commander';
import type { Phase } from './phase.js';

/**
 * Adds `phase <name> [<sub>|all]` commands for every phase of a tree: the phase workflow's
 * own CLI, so new phases get their subcommand, help and flags for free.
 */
export function addPhaseCommands<C>(
  phaseCmd: Command,
  tree: Phase<C>[],
  configure: (cmd: Command) => Command,
  run: (path: string, cmd: Command) => Promise<void>,
  prefix = '',
): void {
  for (const phase of tree) {
    const path = prefix ? `${prefix}/${phase.name}` : phase.name;
    const cmd = phaseCmd.command(phase.name).description(phase.description);
    if (phase.help) cmd.addHelpText('after', `\n${phase.help}`);
    if (phase.phases?.length) {
      configure(cmd.command('all').description(`Run all ${phase.name} phases`)).action((_opts, sub: Command) =>
        run(path, sub),
      );
      addPhaseCommands(cmd, phase.phases, configure, run, path);
    } else {
      configure(cmd).action((_opts, self: Command) => run(path, self));
    }
  }
}
