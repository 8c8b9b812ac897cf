/**
 * The preflight checks of a Windows node, named as kubeadm names its checks where it has one: the OS build the
 * target Kubernetes version supports, memory, containerd answering on its pipe, an Administrator session. Machine
 * facts come from the Windows machine (through the host's connection), containerd's state from the node.
 */
import { WINDOWS_KUBELET_BINARY } from '../kube/windows-paths.js';
import { unsupportedWindowsBuild } from '../versions/windows-builds.js';
import type { Check } from '../workflow/checks.js';
import { simple } from './preflight-checks.js';
import type { WindowsMachine } from '../host/windows/machine.js';
import type { PowerShellHost } from './windows-powershell.js';
import { containerdProblem, readNodeState } from './windows-prepare.js';

/** kubeadm's minimum for a node's memory (its Mem check), in MiB. */
const MIN_MEMORY_MIB = 1700;

export const windowsBuildCheck = (machine: WindowsMachine, version: string): Check =>
  simple('WindowsBuild', () => {
    const problem = unsupportedWindowsBuild(machine.build, version);
    return problem ? { errors: [problem] } : {};
  });

export const windowsMemoryCheck = (machine: WindowsMachine): Check =>
  simple('Mem', () => {
    const mib = machine.memoryMiB();
    return mib < MIN_MEMORY_MIB ? { errors: [`the machine has ${mib} MiB of memory; a node needs at least ${MIN_MEMORY_MIB} MiB`] } : {};
  });

export const containerdPipeCheck = (host: PowerShellHost): Check =>
  simple('ContainerdPipe', async () => {
    const problem = containerdProblem(await readNodeState(host));
    return problem ? { errors: [problem] } : {};
  });

export const administratorCheck = (machine: WindowsMachine): Check =>
  simple('IsPrivilegedUser', () => (machine.isRoot() ? {} : { errors: ['the user is not an Administrator (run elevated, or log in over SSH as one)'] }));

/** Every Windows node check for a node of Kubernetes `version`. */
export const windowsNodeChecks = (host: PowerShellHost, machine: WindowsMachine, version: string): Check[] => [
  administratorCheck(machine),
  windowsBuildCheck(machine, version),
  windowsMemoryCheck(machine),
  containerdPipeCheck(host),
];

/** A joining Windows node must have been prepared: kubelet.exe in place and its service registered. */
export const windowsPreparedCheck = (host: PowerShellHost): Check =>
  simple('WindowsNodePrepared', async () => {
    const missing = [
      ...((await host.stat(WINDOWS_KUBELET_BINARY)) ? [] : [WINDOWS_KUBELET_BINARY]),
      ...((await readNodeState(host)).kubeletService ? [] : ['the kubelet service']),
    ];
    return missing.length ? { errors: [`${missing.join(' and ')} missing: prepare the node first (bosun node prepare)`] } : {};
  });
