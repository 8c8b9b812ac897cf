/**
 * A Windows node's part of the upgrade roll, after the "Upgrading Windows nodes" guide (stop the kubelet, replace
 * kubelet.exe, `kubeadm upgrade node`, start it) without kubeadm.exe on the node: bosun does `upgrade node`'s work
 * through the node's Host (the `upgrade-node` step, shared with Linux nodes). The new kubelet.exe is pushed beside
 * the running one before the node's downtime (`kubelet-push`); with the service stopped, the running binary is kept
 * as `kubelet.exe.<old version>` and the new one moved in (`kubelet-binary`). Every step finds what it did before
 * and does nothing more, so a resumed roll runs the interrupted one again.
 */
import { UserError } from '../../../errors.js';
import type { Host } from '../../../host/host.js';
import type { KubeletInstall } from '../../../inventory/inventory.js';
import { KUBELET_CONFIG_FILE } from '../../../kube/paths.js';
import { WINDOWS_KUBELET_BINARY } from '../../../kube/windows-paths.js';
import { readBackup, restoreBackup } from '../../../node/roll-backup.js';
import { installWindowsKubelet, stageWindowsKubelet, STAGED_WINDOWS_KUBELET } from '../../../node/windows-kubelet-binary.js';
import type { NodeSideWork, NodeStepContext } from '../../../roll/nodes.js';
import { pushedKubeletBytes, type KubeletDownloads, type PushedKubelet } from './kubelet-binary.js';

/** What the roll changes on a Windows node besides kubelet.exe, backed up before `upgrade-node` writes it. */
export const WINDOWS_UPGRADE_FILES = [KUBELET_CONFIG_FILE];

/** Where the running kubelet.exe is kept when the new one moves in: `C:\k\kubelet.exe.v1.36.3`. */
export const previousWindowsKubelet = (from: string): string => `${WINDOWS_KUBELET_BINARY}.${from}`;

export interface WindowsWorkSettings {
  rollId: string;
  /** The operator's machine: where the cluster file's kubelet binaries (`from`) are read. */
  machine: Host;
  downloads: KubeletDownloads;
}

/** Why a host's kubelet install choice cannot serve a Windows node, or undefined (the checks before the roll say it). */
export function windowsKubeletInstallProblem(choice: KubeletInstall): string | undefined {
  if (choice.install === 'package') return 'kubelet.install is package: Windows has no kubelet package; give install: binary (url or from)';
  if (choice.install === 'binary' && 'fetch' in choice && choice.fetch === 'node')
    return 'kubelet.fetch is node: a Windows node does not download its own kubelet.exe; bosun pushes it (fetch: bosun)';
  return undefined;
}

/** A line of a step's kubelet work, under the step (as upgrade-node's phases are), so the roll prints it under the node's name. */
const logTo = (ctx: NodeStepContext) => (line: string) => ctx.events({ type: 'log', path: `${ctx.path}/kubelet`, at: Date.now(), line });

/** The kubelet.exe of the roll's version for this node, or undefined when the operator puts it there (install: none). */
async function kubeletExe(ctx: NodeStepContext, settings: WindowsWorkSettings): Promise<Buffer | undefined> {
  const { kubelet, host } = ctx.node;
  if (kubelet.install === 'none') return undefined;
  const problem = windowsKubeletInstallProblem(kubelet);
  if (problem) throw new UserError(`node ${ctx.node.name}: ${problem}`);
  return pushedKubeletBytes(kubelet as PushedKubelet, host, ctx.target, settings.machine, settings.downloads);
}

/** The Windows node-side steps other than `upgrade-node`. */
export function windowsNodeWork(settings: WindowsWorkSettings): NodeSideWork {
  return {
    'kubelet-push': async (ctx) => {
      const log = logTo(ctx);
      const bytes = await kubeletExe(ctx, settings);
      if (!bytes) return log(`[upgrade/kubelet] kubelet.install is none: the operator puts kubelet.exe ${ctx.target} in place`);
      const wrote = await stageWindowsKubelet(ctx.node.host, bytes);
      log(`[upgrade/kubelet] ${wrote ? `Pushed kubelet.exe ${ctx.target} as ${STAGED_WINDOWS_KUBELET}` : `kubelet.exe ${ctx.target} is on the node already`}`);
    },
    'kubelet-stop': ({ node }) => node.host.service('kubelet').stop(),
    'kubelet-binary': async (ctx) => {
      const log = logTo(ctx);
      const bytes = await kubeletExe(ctx, settings);
      if (!bytes) return log('[upgrade/kubelet] kubelet.install is none: kubelet.exe left as it is');
      const keep = previousWindowsKubelet(ctx.from);
      const swapped = await installWindowsKubelet(ctx.node.host, bytes, { keepPreviousAs: keep });
      log(
        `[upgrade/kubelet] ${swapped ? `${WINDOWS_KUBELET_BINARY} is ${ctx.target}; the old one kept as ${keep}` : `${WINDOWS_KUBELET_BINARY} already is ${ctx.target}`}`,
      );
    },
    'kubelet-start': ({ node }) => node.host.service('kubelet').start(),
  };
}

/**
 * A Windows node that did not come back, as it was before the roll: the service stopped, the kept kubelet.exe
 * moved back (the pushed one dropped), the backed-up configuration restored, the service started. Run again, it
 * finds the old binary in place and the files restored.
 */
export function windowsRollback(rollId: string) {
  return async ({ node, from }: NodeStepContext): Promise<void> => {
    const { host } = node;
    await host.service('kubelet').stop();
    const previous = previousWindowsKubelet(from);
    if (await host.stat(previous)) await host.rename(previous, WINDOWS_KUBELET_BINARY);
    if (await host.stat(STAGED_WINDOWS_KUBELET)) await host.remove(STAGED_WINDOWS_KUBELET);
    if (await readBackup(host, rollId)) await restoreBackup(host, rollId);
    await host.service('kubelet').start();
  };
}
