import type { ListrBaseClassOptions } from 'listr2';

/** Whether progress should be plain lines: CI, no TTY, or asked for. */
export function plainProgress(): boolean {
  return process.env.CI === 'true' || !process.stdout.isTTY || process.env.BOSUN_PLAIN === '1';
}

/** The one place that chooses how progress is shown. */
export function rendererOptions(): Pick<ListrBaseClassOptions, 'renderer' | 'rendererOptions' | 'fallbackRenderer'> {
  if (plainProgress()) {
    return { renderer: 'simple', rendererOptions: { timestamp: undefined } } as never;
  }
  return {
    renderer: 'default',
    rendererOptions: { collapseSubtasks: false, outputBar: Infinity, persistentOutput: true },
  } as never;
}
