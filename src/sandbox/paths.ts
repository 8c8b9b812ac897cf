import os from 'node:os';
import path from 'node:path';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../kube/paths.js';
import { PACKAGE_ROOT } from '../host/package-root.js';

/** Where bosun keeps what it builds once per machine: `$BOSUN_CACHE`, else `~/.cache/bosun`. */
export function cacheRoot(): string {
  return process.env.BOSUN_CACHE || path.join(os.homedir(), '.cache', 'bosun');
}

/** The wrapper Go modules shipped with bosun (`go/` at the package root, beside `dist/` and `src/`). */
export const PACKAGE_GO_DIR = path.join(PACKAGE_ROOT, 'go');

/** The bosun CLI entry point, for the processes the sandbox starts (init, the runner). */
export const BOSUN_BIN = path.join(PACKAGE_ROOT, 'bin', 'bosun.js');

/** The sandbox's first node: `bosun init` runs there, and its admin.conf is the sandbox's kubeconfig. */
export const CONTROL_PLANE_NODE = 'control-plane';
/** admin.conf, as a node path. */
export const ADMIN_CONF = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.admin}`;

/** Files of one sandbox, all under its directory (default `.sandbox/`). */
export function sandboxPaths(dir: string) {
  const root = path.resolve(dir);
  return {
    root,
    state: path.join(root, 'state.json'),
    timings: path.join(root, 'timings.json'),
    /** How bosun reaches the sandbox's nodes (`bosun upgrade nodes --inventory`). */
    inventory: path.join(root, 'inventory.yaml'),
    nodeRoot: (node: string) => path.join(root, 'nodes', node),
    logs: (node: string) => path.join(root, 'logs', node),
    runDir: (node: string) => path.join(root, 'run', node),
    kwokDir: path.join(root, 'kwok'),
  };
}

export type SandboxPaths = ReturnType<typeof sandboxPaths>;
