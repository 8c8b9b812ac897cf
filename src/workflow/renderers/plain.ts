import type { EventSink } from '../events.js';

/** Where a renderer writes: a stream such as process.stdout, or a test's collector. */
export interface Output {
  write(text: string): unknown;
}

/**
 * A phase's log line as listr2's simple renderer prints it, which is what bosun printed before events: `› ` before
 * each line, empty lines kept bare, lines of only blanks dropped.
 */
function outputLines(text: string): string {
  const lines = text.split('\n').filter((line) => line === '' || line.trim() !== '');
  return `${lines.map((line) => (line === '' ? '' : `› ${line}`)).join('\n')}\n`;
}

/**
 * Plain lines, for CI logs and pipes (and what bosun printed before events, byte for byte):
 * `❯ path` when a phase starts, `› line` for what it logs, `✔ path` when it ends, `↓ path [SKIPPED: why]`;
 * failures and cleanups go to `err`.
 */
export function plainRenderer(out: Output, err: Output): EventSink {
  return (event) => {
    switch (event.type) {
      case 'started':
        return void out.write(`❯ ${event.path}\n`);
      case 'log':
        return void out.write(outputLines(event.line));
      case 'wait':
        if (!event.done) out.write(outputLines(`waiting for ${event.what}`));
        return;
      case 'finished':
        return void out.write(`✔ ${event.path}\n`);
      case 'skipped':
        return void out.write(`↓ ${event.path} [SKIPPED: ${event.reason}]\n`);
      case 'failed':
        return void err.write(`✖ ${event.path} [FAILED: ${event.error}]\n`);
      case 'cleanup':
        return void err.write(event.ok ? `← ${event.path} [CLEANED UP]\n` : `✖ ${event.path} [CLEANUP FAILED: ${event.error}]\n`);
      case 'planned':
        return;
    }
  };
}
