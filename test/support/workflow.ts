/** Phases run through the real engine, their progress taken from its events (no stdout patching). */
import type { EventSink, ProgressEvent } from '../../src/workflow/events.js';
import { phaseIO } from '../../src/workflow/io.js';
import type { PhaseIO } from '../../src/workflow/phase.js';

/** A sink that keeps every event; `lines()` is what the phases logged, in order. */
export function recorder(): EventSink & { events: ProgressEvent[]; lines(): string[] } {
  const events: ProgressEvent[] = [];
  const sink = (event: ProgressEvent) => void events.push(event);
  return Object.assign(sink, {
    events,
    lines: () => events.flatMap((e) => (e.type === 'log' ? [e.line] : [])),
  });
}

/** The IO the engine gives a phase, for calling a phase function directly; `lines` collects what it logs. */
export function collectingIO(path = 'test'): PhaseIO & { lines: string[]; sink: EventSink } {
  const lines: string[] = [];
  const sink: EventSink = (event) => {
    if (event.type === 'log') lines.push(event.line);
  };
  return Object.assign(phaseIO(path, sink), { lines, sink });
}
