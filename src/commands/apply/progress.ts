/**
 * `bosun apply`'s progress as the engine's typed events, one unit per host and step (`node/<host>/<step>`, the
 * roll's paths): the steps are planned up front so listr2 draws one line per host and step on a terminal, plain
 * lines and `--progress=json` get the same events through the engine's renderers (workflow/progress.ts). The
 * phases a step runs (init's, join's) show as lines of their step, under the host's name. Also keeps the time
 * each host took, for the summary.
 */
import { RollEvents, stepPath } from '../../roll/progress.js';
import type { EventPath, EventSink } from '../../workflow/events.js';
import { preparesWindows, type ApplyPlan } from './plan.js';

/** The steps a host goes through, in the order the run takes them. */
export const APPLY_STEPS = ['kubelet', 'prepare', 'init', 'join', 'ready'] as const;
export type ApplyStep = (typeof APPLY_STEPS)[number];

/** What a step's work may report: its phases' events and its own lines. */
export interface StepOutput {
  sink: EventSink;
  log: (line: string) => void;
}

/** Every host and step of the plan, ordered as the run goes: kubelets, Windows hosts prepared, init, control-plane joins, worker joins, Ready. */
export function plannedSteps(plan: ApplyPlan): EventPath[] {
  const changing = plan.hosts.filter((h) => h.action !== 'none');
  const joins = [...changing.filter((h) => h.action === 'join-control-plane'), ...changing.filter((h) => h.action === 'join-worker')];
  return [
    ...plan.hosts.filter((h) => h.installKubelet && h.host.os !== 'windows').map((h) => stepPath(h.host.name, 'kubelet')),
    ...plan.hosts.filter(preparesWindows).map((h) => stepPath(h.host.name, 'prepare')),
    ...changing.filter((h) => h.action === 'init').map((h) => stepPath(h.host.name, 'init')),
    ...joins.map((h) => stepPath(h.host.name, 'join')),
    ...plan.hosts.map((h) => stepPath(h.host.name, 'ready')),
  ];
}

/**
 * A step's phase events as lines of the step: the step is the unit a renderer draws; a phase's lines, its
 * failure and its waits are what the step shows, prefixed by the host so parallel hosts' lines stay apart.
 * It hands on no `drained`: a phase run that ends must not end the run's whole list.
 */
function linesOf(host: string, path: EventPath, sink: EventSink): EventSink {
  const line = (text: string) => sink({ type: 'log', path, at: Date.now(), line: `[${host}] ${text}` });
  return (event) => {
    if (event.type === 'log') line(event.line);
    else if (event.type === 'failed') line(`phase ${event.path} failed: ${event.error}`);
    else if (event.type === 'wait') sink({ ...event, path });
  };
}

export class ApplyProgress {
  /** What each host took in this run, summed over its steps. */
  readonly timings = new Map<string, number>();
  private readonly events: RollEvents;

  constructor(readonly sink: EventSink) {
    this.events = new RollEvents(sink);
  }

  /** Announces the plan's steps: a terminal draws them as a list before any starts. */
  planned(plan: ApplyPlan): void {
    this.sink({ type: 'planned', path: '', at: Date.now(), paths: plannedSteps(plan) });
  }

  /** Runs `work`, then waits until all it reported is shown (listr2 draws behind the events), however it ends. */
  async drawn<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      await this.sink.drained?.();
    }
  }

  /** A line of the run's own, not of a host. */
  log(line: string): void {
    this.events.log(line);
  }

  /** The phase events of a run outside any step (a dry run's init), as lines under the host. */
  phases(host: string): EventSink {
    return linesOf(host, '', this.sink);
  }

  /** Runs one host's step as a unit: started, then finished or failed with its time, added to the host's. */
  async step(host: string, step: ApplyStep, work: (output: StepOutput) => Promise<void>): Promise<void> {
    const path = stepPath(host, step);
    const started = Date.now();
    try {
      await this.events.unit(path, () => work({ sink: linesOf(host, path, this.sink), log: (line) => this.events.log(`[${host}] ${line}`, path) }));
    } finally {
      this.timings.set(host, (this.timings.get(host) ?? 0) + (Date.now() - started));
    }
  }
}
