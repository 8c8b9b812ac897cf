import type { ListrBaseClassOptions } from 'listr2';
import type { EventSink } from './events.js';
import { jsonRenderer } from './renderers/json.js';
import { LISTR_TTY_OPTIONS, listrRenderer } from './renderers/listr.js';
import { plainRenderer, type Output } from './renderers/plain.js';

/** `--progress`: listr2's live list, plain lines, or one JSON event per line on stderr. */
export const PROGRESS_MODES = ['tty', 'plain', 'json'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** Where bosun runs, as far as progress cares. Only the CLI entry reads it (the engine reads no environment). */
export interface Terminal {
  /** Plain lines wanted: CI=true, or BOSUN_PLAIN=1 (bosun running bosun and keeping its output). */
  ci: boolean;
  /** stdout is a terminal. */
  isTTY: boolean;
}

/** The terminal facts from an environment and stdout (the CLI entry hands them in). */
export function terminalOf(env: Record<string, string | undefined>, stdoutIsTTY: boolean | undefined): Terminal {
  return { ci: env.CI === 'true' || env.BOSUN_PLAIN === '1', isTTY: Boolean(stdoutIsTTY) };
}

/** The mode asked for, else listr2 on a terminal and plain lines in CI or without one. */
export function progressMode(asked: ProgressMode | undefined, terminal: Terminal): ProgressMode {
  return asked ?? (terminal.ci || !terminal.isTTY ? 'plain' : 'tty');
}

export interface RendererChoice extends Terminal {
  /** What `--progress` asked for, if anything. */
  mode?: ProgressMode;
  /** Where progress goes (default process.stdout) and failures and JSON events (default process.stderr). */
  stdout?: Output;
  stderr?: Output;
}

/**
 * The one place that chooses how progress is shown. JSON goes to stderr so that stdout stays the command's
 * own output (a dry-run report, a join command) for whoever reads it.
 */
export function chooseRenderer(choice: RendererChoice): EventSink {
  const out = choice.stdout ?? process.stdout;
  const err = choice.stderr ?? process.stderr;
  switch (progressMode(choice.mode, choice)) {
    case 'json':
      return jsonRenderer(err);
    case 'plain':
      return plainRenderer(out, err);
    case 'tty':
      return listrRenderer(out, err);
  }
}

/** listr2's options for work that drives a Listr itself (the sandbox's binaries), chosen by the same rule. */
export function listrOptions(terminal: Terminal): Pick<ListrBaseClassOptions, 'renderer' | 'rendererOptions'> {
  if (progressMode(undefined, terminal) === 'plain') return { renderer: 'simple', rendererOptions: { timestamp: undefined } } as never;
  return LISTR_TTY_OPTIONS as never;
}
