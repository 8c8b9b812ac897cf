import { Listr, type ListrTask } from 'listr2';
import { UserError } from '../errors.js';
import { flatten, type Phase, type PhaseIO } from './phase.js';
import { rendererOptions } from './progress.js';

export interface RunOptions {
  /** Phase paths not to run (`certs`, `certs/apiserver`); a parent skips its children. */
  skip?: string[];
  /** Run only this phase path and its children (`bosun init phase <path>`). */
  only?: string;
}

/** Thrown when a phase fails; names the phase like kubeadm's "error execution phase …". */
export class PhaseError extends UserError {
  constructor(
    readonly path: string,
    override readonly cause: unknown,
  ) {
    super(`error execution phase ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause instanceof UserError ? cause.exitCode : 1);
    this.name = 'PhaseError';
  }
}

/** Checks phase names given by the user against the tree. */
export function checkPhasePaths<C>(tree: Phase<C>[], paths: string[], flag: string): void {
  const known = new Set(flatten(tree).map((p) => p.path));
  for (const path of paths) {
    if (!known.has(path)) {
      throw new UserError(`${flag}: unknown phase "${path}"; phases are: ${[...known].join(', ')}`);
    }
  }
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/** The phase paths a run will execute, in order. */
export function selectedPaths<C>(tree: Phase<C>[], opts: RunOptions): string[] {
  const skip = opts.skip ?? [];
  return flatten(tree)
    .map((p) => p.path)
    .filter((path) => (opts.only === undefined || isWithin(path, opts.only)) && !skip.some((s) => isWithin(path, s)));
}

/** Runs a phase tree in order with progress; the first failing phase stops the run. */
export async function runWorkflow<C>(tree: Phase<C>[], ctx: C, opts: RunOptions = {}): Promise<void> {
  checkPhasePaths(tree, opts.skip ?? [], '--skip-phases');
  if (opts.only !== undefined) checkPhasePaths(tree, [opts.only], 'phase');
  const selected = new Set(selectedPaths(tree, opts));
  // A chosen phase runs with its ancestors' `run` hooks skipped: they belong to the whole parent.
  const toTasks = (phases: Phase<C>[], prefix: string): ListrTask[] =>
    phases
      .map((phase) => ({ phase, path: prefix ? `${prefix}/${phase.name}` : phase.name }))
      .filter(({ path }) => [...selected].some((s) => isWithin(s, path)))
      .map(({ phase, path }) => ({
        title: path,
        task: async (_: unknown, task) => {
          if (phase.run && selected.has(path)) {
            const io: PhaseIO = {
              log: (line) => {
                task.output = line;
              },
              selected: (p) => selected.has(p),
            };
            try {
              await phase.run(ctx, io);
            } catch (err) {
              throw err instanceof PhaseError ? err : new PhaseError(path, err);
            }
          }
          const children = toTasks(phase.phases ?? [], path);
          if (children.length) return task.newListr(children, { concurrent: false });
        },
      }));
  const list = new Listr(toTasks(tree, ''), { concurrent: false, exitOnError: true, ...rendererOptions() });
  await list.run();
}
