import type { EventSink, ProgressEvent } from '../events.js';
import type { Output } from './plain.js';

/** `--progress=json`: one event per line, as JSON (the sandbox and scripts read these instead of scraping text). */
export function jsonRenderer(out: Output): EventSink {
  return (event) => void out.write(`${JSON.stringify(event)}\n`);
}

/** The event a JSON progress line holds; undefined for any other line (an error message on the same stream). */
export function parseEventLine(line: string): ProgressEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Partial<ProgressEvent> | null;
    return typeof value?.type === 'string' && typeof value.path === 'string' && typeof value.at === 'number' ? (value as ProgressEvent) : undefined;
  } catch {
    return undefined;
  }
}
