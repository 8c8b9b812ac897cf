import { Option, type Command } from 'commander';
import type { Phase } from './phase.js';
import { chooseRenderer, PROGRESS_MODES, type ProgressMode, type Terminal } from './progress.js';
import type { RunOptions } from './run.js';

/**
 * Adds `phase <name> [<sub>|all]` commands for every phase of a tree: the phase workflow's
 * own CLI, so new phases get their subcommand, help, flags and `--progress` for free.
 */
export function addPhaseCommands<C>(
  phaseCmd: Command,
  tree: Phase<C>[],
  configure: (cmd: Command) => Command,
  run: (path: string, cmd: Command) => Promise<void>,
  prefix = '',
): void {
  const withFlags = (cmd: Command) => withProgressOption(configure(cmd));
  for (const phase of tree) {
    const path = prefix ? `${prefix}/${phase.name}` : phase.name;
    const cmd = phaseCmd.command(phase.name).description(phase.description);
    if (phase.help) cmd.addHelpText('after', `\n${phase.help}`);
    if (phase.phases?.length) {
      withFlags(cmd.command('all').description(`Run all ${phase.name} phases`)).action((_opts, sub: Command) => run(path, sub));
      addPhaseCommands(cmd, phase.phases, configure, run, path);
    } else {
      withFlags(cmd).action((_opts, self: Command) => run(path, self));
    }
  }
}

const PROGRESS_FLAG = '--progress';

/**
 * Adds `--progress <tty|plain|json>` to a command that runs a phase tree (once, however often it is called).
 * json writes one event per line to stderr, so that stdout stays the command's own output.
 */
export function withProgressOption(cmd: Command): Command {
  if (takesProgress(cmd)) return cmd;
  return cmd.addOption(
    new Option(
      `${PROGRESS_FLAG} <how>`,
      'how progress is shown: tty (a live list), plain (lines) or json (one event per line on stderr); default: tty on a terminal, plain in CI (CI=true) or without one',
    ).choices(PROGRESS_MODES),
  );
}

/** Whether a command runs a phase tree, as far as the CLI can tell: it takes `--progress`. */
export function takesProgress(cmd: Command): boolean {
  return cmd.options.some((option) => option.long === PROGRESS_FLAG);
}

/** What the engine may not find out itself (it reads no environment), handed over by the CLI entry. */
export interface RunEnvironment {
  terminal: Terminal;
  /** Aborted on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

const environments = new WeakMap<Command, RunEnvironment>();

/** Called by the CLI entry before a command that takes `--progress` runs its action. */
export function provideRunEnvironment(cmd: Command, env: RunEnvironment): void {
  environments.set(cmd, env);
}

/** Without the CLI entry (a test parsing a command itself): plain lines, no interrupts. */
const NO_ENVIRONMENT: RunEnvironment = { terminal: { ci: true, isTTY: false } };

/**
 * The run options a command line gives the engine: the renderer `--progress` or the terminal chooses, and the
 * signal that interrupts the run. `runWorkflow(tree, ctx, { skip, only, ...engineOptions(cmd) })`.
 */
export function engineOptions(cmd: Command): Pick<RunOptions, 'sink' | 'signal'> {
  const env = environments.get(cmd) ?? NO_ENVIRONMENT;
  const { progress: mode, output } = cmd.optsWithGlobals<{ progress?: ProgressMode; output?: string }>();
  // With -o json|yaml, stdout carries the machine-readable report: progress moves to stderr so the two never mix.
  return { sink: chooseRenderer({ mode, ...env.terminal, ...(output && output !== 'text' ? { stdout: process.stderr } : {}) }), signal: env.signal };
}
