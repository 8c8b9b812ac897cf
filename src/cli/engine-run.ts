import type { Command } from 'commander';
import { provideRunEnvironment, takesProgress } from '../workflow/cli.js';
import { SIGNAL_EXIT_CODES } from '../workflow/io.js';
import { terminalOf } from '../workflow/progress.js';

type Interrupt = keyof typeof SIGNAL_EXIT_CODES;

/**
 * What a command that runs phases needs from the process, which only the CLI entry touches: the terminal
 * (CI, TTY) for the progress renderer, and an AbortSignal for SIGINT/SIGTERM. The first signal stops the run
 * after its current phase (a wait stops at once) so the completed phases are cleaned up; a second one ends bosun.
 * Commands that run no phases keep Node's own handling of the signals.
 */
export function engineRunSupport(): { prepare(action: Command): void; dispose(): void } {
  const controller = new AbortController();
  const listeners: Array<[Interrupt, () => void]> = [];
  const onSignal = (name: Interrupt) => () => {
    if (controller.signal.aborted) process.exit(SIGNAL_EXIT_CODES[name]);
    process.stderr.write(`\n${name}: stopping after the current phase (${name} again stops at once)\n`);
    controller.abort(name);
  };
  return {
    prepare(action) {
      if (!takesProgress(action)) return;
      for (const name of Object.keys(SIGNAL_EXIT_CODES) as Interrupt[]) {
        const listener = onSignal(name);
        listeners.push([name, listener]);
        process.on(name, listener);
      }
      provideRunEnvironment(action, { terminal: terminalOf(process.env, process.stdout.isTTY), signal: controller.signal });
    },
    dispose() {
      for (const [name, listener] of listeners.splice(0)) process.off(name, listener);
    },
  };
}
