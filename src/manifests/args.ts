/** Component command lines and environments as kubeadm builds them from base values and the config's extras. */
import type { Arg, EnvVar } from '../config/types.js';

function compareArgs(a: Arg, b: Arg): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/**
 * `--name=value` flags: the base sorted by name then value, minus every base flag whose name the
 * overrides use, followed by the overrides in the order given (kubeadm sorts only the base, so a
 * repeated extra flag keeps the user's order).
 */
export function argsToCommand(base: Arg[], overrides: Arg[] = []): string[] {
  const overridden = new Set(overrides.map((a) => a.name));
  return [...base]
    .sort(compareArgs)
    .filter((a) => !overridden.has(a.name))
    .concat(overrides)
    .map((a) => `--${a.name}=${a.value}`);
}

/** The value of the last `name` in a list of args (a later one wins), or undefined. */
export function argValue(args: Arg[] | undefined, name: string): string | undefined {
  return args?.findLast((a) => a.name === name)?.value;
}

/** Sets `name` in a list of args: replaces its last occurrence or appends it. */
export function setArg(args: Arg[], name: string, value: string): Arg[] {
  const index = args.findLastIndex((a) => a.name === name);
  if (index < 0) return [...args, { name, value }];
  return args.map((a, i) => (i === index ? { name, value } : a));
}

/** Environment lists merged by name (a later list wins), sorted by name. */
export function mergeEnv(...lists: (EnvVar[] | undefined)[]): EnvVar[] {
  const byName = new Map<string, EnvVar>();
  for (const env of lists.flatMap((l) => l ?? [])) byName.set(env.name, env);
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The `*_proxy` variables (any case) of an environment, as kubeadm passes them to control-plane components. */
export function proxyEnv(environment: Record<string, string | undefined>): EnvVar[] {
  return Object.entries(environment)
    .filter(([name, value]) => name.toLowerCase().endsWith('_proxy') && value)
    .map(([name, value]) => ({ name, value }));
}
