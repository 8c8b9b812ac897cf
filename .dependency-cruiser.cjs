/**
 * bosun's import layers, top to bottom (the README's Layout section; ../shared/design.md has the picture):
 *
 *   cli → commands (and the sandbox, a world of its own) → engine → shared steps → domain → doors
 *
 * A layer imports only layers below it. Domain and shared steps see a door through its interface: type-only
 * imports from a door folder, plus the few door modules that are themselves only the interface and pure helpers
 * over it. Commands and the engine construct doors; doors import nothing above the domain.
 *
 * The layers are data (LAYOUT) and the rules are built from it, so the same rules can be pointed at an older
 * layout to compare: `require('./.dependency-cruiser.cjs').layerRules(olderLayout)`.
 */

/** Path patterns (regular expressions over paths relative to the repository) of each layer. */
const LAYOUT = {
  cli: ['^src/cli/'],
  /** One folder per command: `commandFolder` captures the command's name, `ownFolder` is that folder again. */
  commandFolder: '^src/commands/([^/]+)/',
  ownFolder: '^src/commands/$1/',
  /** `bosun apply` is init and join (and upgrade's host access) run on many hosts: it composes those commands. */
  applyFolder: '^src/commands/apply/',
  commands: ['^src/commands/'],
  sandbox: ['^src/sandbox/'],
  /** The one module the CLI's command registry loads, lazily, to reach the sandbox. */
  sandboxEntry: ['^src/sandbox/command[.]ts$'],
  engine: ['^src/workflow/', '^src/roll/'],
  steps: ['^src/node/', '^src/drain/executor/'],
  domain: [
    '^src/(config|pki|kubeconfig|manifests|tokens|versions|kube|kubelet|runtime|discovery|addons|inventory|util)/',
    '^src/drain/planner/',
    '^src/errors[.]ts$',
  ],
  doors: ['^src/host/', '^src/cluster/', '^src/etcd/'],
  /** Door modules that hold only the interface and pure helpers over it: anyone may import them. */
  doorInterfaces: ['^src/host/host[.]ts$', '^src/host/ensure-file[.]ts$', '^src/cluster/cluster[.]ts$', '^src/cluster/errors[.]ts$'],
  /** bosun's own package.json, read at startup: for the CLI and commands, not for code below them. */
  startup: ['^src/cli/version[.]ts$', '^src/host/package-root[.]ts$'],
};

/** Node built-ins with side effects: the doors' business (ESLint's door rule covers the rest of `src`). */
const SIDE_EFFECT_BUILTINS = '^(node:)?(fs|fs/promises|child_process|https?)$';

/** A rule every layering breach fails on. */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

/** The top of the stack: the CLI, the commands and the sandbox, and no cycles anywhere. */
function topRules(L) {
  const layers = (...names) => names.flatMap((name) => L[name]);
  return [
    forbid('no-cycles', 'An import cycle makes load order matter and hides which module owns what.', {}, { circular: true }),
    forbid(
      'cli-imports-commands',
      'The CLI parses argv and picks a command; the engine it may use for rendering. Nothing below.',
      { path: L.cli },
      { path: layers('steps', 'domain', 'doors'), pathNot: ['^src/errors[.]ts$'] },
    ),
    forbid('nothing-imports-the-cli', 'The CLI is the top: what a command needs from it belongs in the engine.', { pathNot: L.cli }, { path: L.cli }),
    forbid(
      'commands-stay-apart',
      "No command imports another command's folder; what two commands share lives in a lower layer.",
      { path: L.commandFolder, pathNot: L.applyFolder },
      { path: L.commands, pathNot: L.ownFolder },
    ),
    forbid(
      'apply-composes-commands',
      "apply runs init's and join's phase trees and upgrade nodes' host access on every host; it reaches no other command.",
      { path: L.applyFolder },
      { path: L.commands, pathNot: ['^src/commands/(apply|init|join|upgrade)/'] },
    ),
    forbid(
      'only-the-cli-imports-commands',
      'Commands are the top of the work: the engine, steps, domain, doors and the sandbox never import one.',
      { pathNot: [...L.cli, ...L.commands] },
      { path: L.commands },
    ),
    forbid(
      'sandbox-stays-apart',
      'The rest of bosun does not know the sandbox exists; only the CLI registry (and tests) reach it.',
      { pathNot: [...L.sandbox, ...L.cli] },
      { path: L.sandbox },
    ),
    forbid(
      'cli-loads-the-sandbox-lazily',
      'The CLI reaches the sandbox through its registry entry, loaded only when `bosun sandbox` runs.',
      { path: L.cli },
      { path: L.sandbox, pathNot: L.sandboxEntry },
    ),
    forbid(
      'cli-loads-the-sandbox-lazily-by-import',
      'A static import would load the sandbox on every run of every command.',
      { path: L.cli },
      { path: L.sandbox, dependencyTypesNot: ['dynamic-import'] },
    ),
  ];
}

/** Below the commands: the engine, shared steps, domain and doors each import only what lies under them. */
function lowerRules(L) {
  const layers = (...names) => names.flatMap((name) => L[name]);
  return [
    forbid('engine-below-commands', 'The engine runs phases and rolls; it knows no command and no sandbox.', { path: L.engine }, { path: L.sandbox }),
    forbid(
      'steps-below-engine',
      'Shared steps are called by phases and never run the engine; they may name its types (a check, an event sink).',
      { path: L.steps },
      { path: L.engine, dependencyTypesNot: ['type-only'] },
    ),
    forbid(
      'domain-is-the-bottom',
      'Domain code is pure: it imports other domain modules and door interfaces, nothing above.',
      { path: L.domain },
      { path: layers('engine', 'steps', 'sandbox') },
    ),
    forbid(
      'domain-and-steps-see-door-interfaces',
      'Domain and shared steps receive a door; they import its type, never an implementation.',
      { path: layers('domain', 'steps') },
      { path: L.doors, pathNot: L.doorInterfaces, dependencyTypesNot: ['type-only'] },
    ),
    forbid(
      'doors-import-down',
      'Doors make effects happen; they import domain code and other doors, nothing above.',
      { path: L.doors },
      { path: layers('engine', 'steps', 'sandbox') },
    ),
    forbid(
      'door-interfaces-are-pure',
      'What domain code may import from a door must not pull an implementation or a side effect along.',
      { path: L.doorInterfaces },
      { path: [...L.doors, SIDE_EFFECT_BUILTINS], pathNot: L.doorInterfaces, dependencyTypesNot: ['type-only'] },
    ),
    forbid(
      'startup-is-for-the-top',
      "bosun's package.json is read at startup; code below the engine gets the version as an input.",
      { path: layers('steps', 'domain', 'doors') },
      { path: L.startup },
    ),
  ];
}

const layerRules = (L) => [...topRules(L), ...lowerRules(L)];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules(LAYOUT),
    forbid('no-unresolvable', 'An import that does not resolve is a broken build or a typo.', {}, { couldNotResolve: true }),
    forbid(
      'declared-dependencies-only',
      "Every package src imports is in package.json's dependencies (the bundle and npm ci rely on it).",
      { path: '^src/' },
      { dependencyTypes: ['npm-no-pkg', 'npm-unknown', 'npm-dev'] },
    ),
    forbid('src-does-not-import-tests', 'Test support is for tests; shipped code never loads it.', { path: '^src/' }, { path: '^(test|bench)/' }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: domain code naming a door's interface is allowed, importing its implementation is not.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};

// Not enumerable, so dependency-cruiser's schema check of the configuration does not see it.
Object.defineProperty(module.exports, 'layerRules', { value: layerRules });
Object.defineProperty(module.exports, 'LAYOUT', { value: LAYOUT });
