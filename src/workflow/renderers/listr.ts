import { Listr, type ListrTask } from 'listr2';
import type { EventSink, ProgressEvent } from '../events.js';
import { plainRenderer, type Output } from './plain.js';

/** listr2's own renderer on a terminal, as bosun has always drawn it: every line a phase logs stays on screen. */
export const LISTR_TTY_OPTIONS = {
  renderer: 'default',
  rendererOptions: { collapseSubtasks: false, outputBar: Infinity, persistentOutput: true },
} as const;

/** How a planned phase's own part ended, which decides what its listr task does. */
type Outcome = { kind: 'opened' } | { kind: 'done' } | { kind: 'skipped'; reason: string } | { kind: 'failed'; error: string };

type TaskWrapper = Parameters<ListrTask['task']>[1];

/**
 * One planned path drawn as a listr task. listr2 runs tasks itself; here each task only waits for the events of
 * its path: a phase's lines become the task's output, its children a sub-list once the first of them starts.
 */
class PlannedTask {
  readonly children: PlannedTask[] = [];
  /** Its finished, failed or skipped event came: anything later for it (a cleanup's lines) prints below the list. */
  ended = false;
  private readonly outcome: Promise<Outcome>;
  private resolve!: (outcome: Outcome) => void;
  private settled = false;
  private wrapper?: TaskWrapper;
  /** Lines logged before listr got to the task (events come faster than it draws). */
  private readonly pending: string[] = [];

  constructor(
    readonly path: string,
    readonly parent: PlannedTask | undefined,
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
  }

  settle(outcome: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(outcome);
  }

  show(line: string): void {
    if (this.wrapper) this.wrapper.output = line;
    else this.pending.push(line);
  }

  toTask(): ListrTask {
    return {
      title: this.path,
      task: async (_ctx, wrapper) => {
        this.wrapper = wrapper;
        for (const line of this.pending.splice(0)) wrapper.output = line;
        const outcome = await this.outcome;
        // listr shows a skip message in place of the title: the message names the phase, as plain lines do.
        if (outcome.kind === 'skipped') return wrapper.skip(`${this.path} [SKIPPED: ${outcome.reason}]`);
        if (outcome.kind === 'failed') throw new Error(outcome.error);
        if (outcome.kind === 'opened' && this.children.length) {
          return wrapper.newListr(
            this.children.map((child) => child.toTask()),
            { concurrent: false, exitOnError: true },
          );
        }
      },
    };
  }
}

/** The planned paths as a tree of tasks (a path's parent is its nearest planned ancestor); returns the roots. */
function planTasks(paths: string[], tasks: Map<string, PlannedTask>): PlannedTask[] {
  const roots: PlannedTask[] = [];
  for (const path of paths) {
    const segments = path.split('/');
    const ancestors = segments.slice(1).map((_, i) => segments.slice(0, segments.length - 1 - i).join('/'));
    const parent = ancestors.map((a) => tasks.get(a)).find((t) => t !== undefined);
    const task = new PlannedTask(path, parent);
    tasks.set(path, task);
    (parent ? parent.children : roots).push(task);
  }
  return roots;
}

/** Applies one event of a planned path to its task. */
function apply(task: PlannedTask, event: Exclude<ProgressEvent, { type: 'planned' | 'cleanup' }>): void {
  switch (event.type) {
    case 'started':
      return task.parent?.settle({ kind: 'opened' });
    case 'log':
      return task.show(event.line);
    case 'wait':
      if (!event.done) task.show(`waiting for ${event.what}`);
      return;
    case 'finished':
      task.ended = true;
      return task.settle({ kind: 'done' });
    case 'failed':
      task.ended = true;
      return task.settle({ kind: 'failed', error: event.error });
    case 'skipped':
      task.parent?.settle({ kind: 'opened' });
      task.ended = true;
      return task.settle({ kind: 'skipped', reason: event.reason });
  }
}

/**
 * listr2 on a terminal, driven by events. A `planned` event draws its paths as a list; events of paths no plan
 * named, and cleanups after a failure, print as plain lines below it once it is drawn to the end.
 */
export function listrRenderer(out: Output, err: Output): EventSink {
  const tasks = new Map<string, PlannedTask>();
  const plain = plainRenderer(out, err);
  let drawn: Promise<void> = Promise.resolve();
  const sink: EventSink = (event) => {
    if (event.type === 'planned') {
      const roots = planTasks(event.paths, tasks);
      const list = new Listr(
        roots.map((task) => task.toTask()),
        { concurrent: false, exitOnError: true, registerSignalListeners: false, ...LISTR_TTY_OPTIONS },
      );
      // The run reports its own error; listr's rejection only says the list ended.
      drawn = drawn.then(() =>
        list.run().then(
          () => undefined,
          () => undefined,
        ),
      );
      return;
    }
    const task = tasks.get(event.path);
    if (!task || task.ended || event.type === 'cleanup') {
      drawn = drawn.then(() => plain(event));
      return;
    }
    apply(task, event);
  };
  sink.drained = async () => {
    // Tasks a failed or interrupted run never reached would wait forever.
    for (const task of tasks.values()) task.settle({ kind: 'skipped', reason: 'not run' });
    await drawn;
  };
  return sink;
}
