// ESLint for bosun: the recommended JavaScript and TypeScript rules, the size limits the codebase keeps, and
// the door rule (side effects only in the doors). Import layers are dependency-cruiser's job
// (.dependency-cruiser.cjs); formatting is Prettier's (.prettierrc.yaml).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Where the Node built-ins that touch the machine, and `process.env`, may be used: the doors, the CLI entry and
 * the sandbox. Everything else receives what it needs through a door or as an explicit input. The README's
 * Layout section lists any deliberate exception.
 */
const DOOR_FOLDERS = ['src/host/**', 'src/cluster/**', 'src/etcd/**', 'src/cli/**', 'src/sandbox/**'];

const SIDE_EFFECT_MODULES = ['fs', 'fs/promises', 'child_process', 'https', 'http'];
const doorMessage = 'side effects belong to the doors: only src/{host,cluster,etcd}, the CLI and the sandbox (README: Layout)';

const doorRule = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        ...SIDE_EFFECT_MODULES.flatMap((name) => [name, `node:${name}`]).map((name) => ({
          name,
          message: doorMessage,
        })),
        ...['process', 'node:process'].map((name) => ({ name, importNames: ['env'], message: doorMessage })),
      ],
    },
  ],
  'no-restricted-syntax': [
    'error',
    {
      selector: "MemberExpression[object.name='process'][property.name='env']",
      message: `process.env: ${doorMessage}`,
    },
    {
      selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']",
      message: `process.env: ${doorMessage}`,
    },
    {
      // esquery's regex cannot hold a slash: `.` stands for the one in fs/promises.
      selector: `ImportExpression > Literal[value=/^(node:)?(${SIDE_EFFECT_MODULES.join('|').replaceAll('/', '.')})$/]`,
      message: doorMessage,
    },
  ],
};

export default defineConfig([
  globalIgnores(['dist/', 'dist.next-*/', 'dist.old-*/', '.sandbox/', 'coverage/', 'go/', 'test/data/']),

  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a binding kept on purpose (a destructured field left out of the rest, an interface's argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Size limits count every line, blank and comment lines too, as `wc -l` does: a reader pays for all of them.
      'max-lines': ['error', { max: 300, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },

  { files: ['src/**/*.ts'], ignores: DOOR_FOLDERS, rules: doorRule },

  {
    // A test's describe() callback is a list of cases, not a function to keep short; files still stay under 300.
    files: ['test/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
]);
