/**
 * A Windows host made ready to join, as sig-windows-tools' PrepareNode.ps1 makes it, but idempotent and checked: each
 * step looks first and changes only what is missing, so a second run changes nothing. containerd must already run
 * (bosun does not install it on Windows); the kubelet comes as kubelet.exe in C:\k and runs as a Windows service.
 */
import { UserError } from '../errors.js';
import { WINDOWS_KUBELET_BINARY } from '../kube/windows-paths.js';
import { ensureDir } from './files.js';
import type { Log } from './log.js';
import type { PowerShellHost } from './windows-powershell.js';
import { installWindowsKubelet, installedKubeletDigest, type WindowsKubeletSource } from './windows-kubelet-binary.js';
import {
  CONTAINERD_PIPE,
  KUBELET_PKI_LINK,
  kubeletFirewallRuleScript,
  nodeStateScript,
  parseNodeState,
  pkiLinkScript,
  registerKubeletServiceScript,
  type WindowsNodeState,
} from './windows-scripts.js';

/** The directories PrepareNode.ps1 creates (node paths: the system drive on Windows). */
export const WINDOWS_NODE_DIRS = ['/k', '/var/log/kubelet', '/var/lib/kubelet/etc/kubernetes', '/etc/kubernetes/pki', '/etc/kubernetes/manifests'];

export interface PrepareTarget {
  host: PowerShellHost;
  /** The name the kubelet registers the Node under (the service's --hostname-override). */
  nodeName: string;
  /** Where kubelet.exe of the cluster's version comes from; undefined: the operator installs it (kubelet.install: none). */
  kubelet?: WindowsKubeletSource;
}

/** One named step of the preparation: what it would do on this node (undefined: nothing), and doing it. */
export interface PrepareStep {
  name: string;
  plan(target: PrepareTarget, state: WindowsNodeState): Promise<string | undefined>;
  run(target: PrepareTarget): Promise<void>;
}

/** What the node has, read once before any step: services, containerd's pipe, the firewall rule. */
export async function readNodeState(host: PowerShellHost): Promise<WindowsNodeState> {
  return parseNodeState((await host.powershell(nodeStateScript())).stdout);
}

/** containerd must run and answer on its pipe before anything is changed; bosun does not install it on Windows. */
export function containerdProblem(state: WindowsNodeState): string | undefined {
  if (!state.containerdService)
    return 'containerd is not installed (no containerd service): bosun does not install containerd on Windows; install it first (sig-windows-tools Install-Containerd.ps1)';
  if (!state.containerdRunning) return 'the containerd service is not running: start it (Start-Service containerd)';
  if (!state.containerdPipe) return `containerd runs but its pipe ${CONTAINERD_PIPE} does not answer: check its configuration and restart it`;
  return undefined;
}

const missingDirs = async (target: PrepareTarget) =>
  (await Promise.all(WINDOWS_NODE_DIRS.map(async (dir) => ((await target.host.stat(dir)) ? undefined : dir)))).filter((d): d is string => d !== undefined);

export const PREPARE_STEPS: PrepareStep[] = [
  {
    name: 'kubelet-binary',
    async plan({ host, kubelet }) {
      if (kubelet)
        return (await installedKubeletDigest(host)) === (await kubelet.digest()) ? undefined : `install ${kubelet.describe} as ${WINDOWS_KUBELET_BINARY}`;
      if (await host.stat(WINDOWS_KUBELET_BINARY)) return undefined;
      throw new UserError(
        `${WINDOWS_KUBELET_BINARY} is missing and the cluster file's kubelet.install is none: install it, or give install: binary; nothing was changed`,
      );
    },
    async run({ host, kubelet }) {
      if (kubelet) await installWindowsKubelet(host, await kubelet.bytes());
    },
  },
  {
    name: 'directories',
    plan: async (target) => {
      const dirs = await missingDirs(target);
      return dirs.length ? `create ${dirs.join(', ')}` : undefined;
    },
    run: async (target) => {
      for (const dir of await missingDirs(target)) await ensureDir(target.host, dir, 0o755);
    },
  },
  {
    name: 'pki-link',
    plan: async ({ host }) => ((await host.stat(KUBELET_PKI_LINK)) ? undefined : `link ${KUBELET_PKI_LINK} to C:\\etc\\kubernetes\\pki`),
    run: async ({ host }) => void (await host.powershell(pkiLinkScript())),
  },
  {
    name: 'kubelet-service',
    plan: async ({ nodeName }, state) =>
      state.kubeletService ? undefined : `register the kubelet service (node ${nodeName}, after containerd, automatic start)`,
    run: async ({ host, nodeName }) => void (await host.powershell(registerKubeletServiceScript(nodeName))),
  },
  {
    name: 'firewall-rule',
    plan: async (_target, state) => (state.firewallRule ? undefined : 'allow inbound TCP 10250 (the kubelet API) in the firewall'),
    run: async ({ host }) => void (await host.powershell(kubeletFirewallRuleScript())),
  },
];

export interface PlannedStep {
  step: PrepareStep;
  /** What the step will do. */
  action: string;
}

/** The steps this node needs, in order; throws (nothing changed) when containerd is not there to build on. */
export async function planPrepare(target: PrepareTarget): Promise<PlannedStep[]> {
  const state = await readNodeState(target.host);
  const problem = containerdProblem(state);
  if (problem)
    throw new UserError({
      what: `cannot prepare node ${target.nodeName}; nothing was changed`,
      category: 'precondition',
      message: `node ${target.nodeName}: ${problem}; nothing was changed`,
    });
  const planned: PlannedStep[] = [];
  for (const step of PREPARE_STEPS) {
    const action = await step.plan(target, state);
    if (action) planned.push({ step, action });
  }
  return planned;
}

/** The plan as lines: `[prepare] <step>: <action>`, or that the node is ready. */
export const planText = (nodeName: string, planned: PlannedStep[]): string[] =>
  planned.length ? planned.map((p) => `[prepare] ${p.step.name}: ${p.action}`) : [`[prepare] node ${nodeName} is prepared: nothing to do`];

/** Plans, then runs the planned steps, one line each. */
export async function prepareWindowsNode(target: PrepareTarget, log: Log): Promise<PlannedStep[]> {
  const planned = await planPrepare(target);
  for (const { step, action } of planned) {
    log(`[prepare] ${step.name}: ${action}`);
    await step.run(target);
  }
  if (!planned.length) log(planText(target.nodeName, planned)[0]);
  return planned;
}
