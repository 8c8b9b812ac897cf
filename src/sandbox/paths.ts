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
    /** The same nodes as SSH hosts (kind: Cluster), for bosun's SSH host and `bosun sandbox inventory`. */
    cluster: path.join(root, 'cluster.yaml'),
    /** The key every node's sshd lets in as root (0600), its public half beside it. */
    clientKey: path.join(root, 'ssh', 'id_ed25519'),
    /** Every node's host key, by address. */
    knownHosts: path.join(root, 'ssh', 'known_hosts'),
    /** A node's sshd host key: made once, kept across down and up so known_hosts stays true. */
    hostKey: (node: string) => path.join(root, 'ssh', 'hosts', node, 'ssh_host_ed25519_key'),
    nodeRoot: (node: string) => path.join(root, 'nodes', node),
    logs: (node: string) => path.join(root, 'logs', node),
    runDir: (node: string) => path.join(root, 'run', node),
    /** Present while the node's kubelet runs (the node agent's word): a fresh machine's runner waits for it. */
    kubeletStarted: (node: string) => path.join(root, 'run', node, 'kubelet-started'),
    /** Written once a node's machine has all its files (binaries, unit files, enabled units): its boot may start them. */
    machineEquipped: (node: string) => path.join(root, 'run', node, 'machine-equipped'),
    kwokDir: path.join(root, 'kwok'),
    /** The DNS pods' files: each pod's (Corefile, service account, resolv.conf, log) under its network namespace's name. */
    dnsPods: path.join(root, 'dns'),
    dnsPod: (netns: string) => path.join(root, 'dns', netns),
  };
}

export type SandboxPaths = ReturnType<typeof sandboxPaths>;
