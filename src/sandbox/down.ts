import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dnsPodNetwork, DNS_PODS, netnsPids, removeBridge, removeNode, type NodeNetwork } from './network.js';
import { sandboxPaths } from './paths.js';
import { stopProcess } from './processes.js';
import { removeSshRuntime } from './sshd.js';
import { readState, writeState } from './state.js';

const say = (line: string) => process.stdout.write(`[sandbox] ${line}\n`);

/** A runner gives its pods their grace period (30s by default) before it exits. */
const RUNNER_GRACE_MS = 45_000;

/** Kills whatever is left inside a namespace (a component of a killed runner, a DNS pod whose test died), then removes it. */
async function emptyAndRemove(network: NodeNetwork): Promise<void> {
  for (let pids = await netnsPids(network.netns); pids.length; pids = await netnsPids(network.netns)) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sleep(100);
  }
  await removeNode(network);
}

/**
 * `bosun sandbox down`: stops every process the sandbox started (by pid, newest first; a runner stops its
 * node's components), then anything still left in a node's or DNS pod's network namespace (an sshd's sessions, a
 * CoreDNS whose test died), then removes the namespaces, the DNS pods' files, the rootfs mounts sshd chroots into,
 * and the bridge. Other files stay unless `purge`, so `up` can start the same cluster again.
 */
export async function down(dir: string, purge: boolean): Promise<void> {
  const paths = sandboxPaths(dir);
  const state = await readState(dir);
  if (!state) {
    say(`no sandbox in ${paths.root}`);
    if (purge) await fs.rm(paths.root, { recursive: true, force: true });
    return;
  }
  for (const p of [...state.processes].reverse()) {
    await stopProcess(p, RUNNER_GRACE_MS);
    say(`stopped ${p.name} (pid ${p.pid})`);
  }
  const dnsPods = Array.from({ length: DNS_PODS }, (_, i) => dnsPodNetwork(state.network, i));
  for (const network of [...state.nodes.map((n) => n.network), ...dnsPods]) if (network) await emptyAndRemove(network);
  // A DNS pod lives only as long as whoever started it: with its namespace gone, its files (a token) mean nothing.
  await fs.rm(paths.dnsPods, { recursive: true, force: true });
  await removeSshRuntime(state.network);
  await removeBridge(state.network);
  say(`removed the network (bridge ${state.network.bridge})`);
  if (purge) {
    await fs.rm(paths.root, { recursive: true, force: true });
    say(`removed ${paths.root}`);
  } else {
    await writeState(dir, { ...state, processes: [] });
  }
}
