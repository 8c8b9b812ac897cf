import { promises as fs } from 'node:fs';
import pLimit from 'p-limit';
import { writeInventories } from './inventory.js';
import { equipMachine, ensureNodeKubelet } from './machine.js';
import { createNode } from './network.js';
import { equipRuntime } from './node-runtime.js';
import { sandboxPaths } from './paths.js';
import type { ProcessRecord } from './processes.js';
import { prepareSsh, startSshd } from './sshd.js';
import type { SandboxNode, SandboxState } from './state.js';
import { equipWindowsMachine } from './windows/machine.js';

/** Machines made at once: each is a few `ip` commands, a key, an sshd and a copy of the kubelet binary. */
const AT_ONCE = 4;

/**
 * Makes `nodes` machines: each one's network namespace, its rootfs equipped (busybox, systemctl, the `kubelet`
 * binary unless it has one, or none when undefined, its container runtime; a Windows machine's drive) and its sshd; then writes the inventories and known_hosts for every node of the
 * sandbox. `record` keeps each sshd in the state, for `down`. Idempotent: `up` after `down` starts them again.
 */
export async function startMachines(
  dir: string,
  state: SandboxState,
  nodes: SandboxNode[],
  kubelet: string | undefined,
  record: (p: ProcessRecord) => Promise<void>,
): Promise<string> {
  const paths = sandboxPaths(dir);
  await prepareSsh(dir, state.network);
  const limit = pLimit(AT_ONCE);
  // The state is written by one `record` at a time.
  let recorded = Promise.resolve();
  await Promise.all(
    nodes.map((node) =>
      limit(async () => {
        const rootfs = paths.nodeRoot(node.name);
        if (node.os === 'windows') await equipWindowsMachine(rootfs, node.name);
        else {
          await equipMachine(rootfs);
          // A fresh machine (`sandbox hosts`) has no kubelet: installing it is the job of whoever makes the cluster.
          if (kubelet) await ensureNodeKubelet(rootfs, kubelet);
          await equipRuntime(rootfs, node.runtime ?? 'containerd');
        }
        await fs.mkdir(paths.runDir(node.name), { recursive: true });
        await fs.writeFile(paths.machineEquipped(node.name), '');
        if (!node.network) return;
        await createNode(state.network, node.network);
        const sshd = await startSshd(dir, state.network, node);
        recorded = recorded.then(() => record(sshd));
        await recorded;
      }),
    ),
  );
  return writeInventories(dir, state);
}
