/**
 * The PowerShell scripts a Windows node's preparation sends, one builder each: what sig-windows-tools' PrepareNode.ps1
 * does, split into a read-only look and the single changes bosun makes only where the look says something is missing.
 * Bodies only: the door wraps them (see windows-powershell.ts).
 */
import { KUBELET_PORT } from '../manifests/ports.js';
import { KUBELET_CONFIG_FILE } from '../kube/paths.js';
import { WINDOWS_KUBELET_BINARY, windowsNodePath } from '../kube/windows-paths.js';

/** containerd's named pipe as Test-Path reads it (the CRI endpoint npipe:////./pipe/containerd-containerd). */
export const CONTAINERD_PIPE = '\\\\.\\pipe\\containerd-containerd';
export const KUBELET_SERVICE = 'kubelet';
export const CONTAINERD_SERVICE = 'containerd';
/** The firewall rule PrepareNode.ps1 adds for the kubelet's API, under the same name. */
export const KUBELET_FIREWALL_RULE = 'kubelet';
/** Where the kubelet looks for the CA when it resolves /etc/kubernetes/pki from its root dir: a link, as upstream. */
export const KUBELET_PKI_LINK = 'C:\\var\\lib\\kubelet\\etc\\kubernetes\\pki';
export const PKI_DIR = 'C:\\etc\\kubernetes\\pki';

/** A PowerShell single-quoted string. */
export const psQuote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** What the preparation looks at on the node, as the probe script reports it. */
export interface WindowsNodeState {
  containerdService: boolean;
  containerdRunning: boolean;
  containerdPipe: boolean;
  kubeletService: boolean;
  firewallRule: boolean;
}

/** Read-only: the services, containerd's pipe and the firewall rule, one JSON line. */
export const nodeStateScript = (): string =>
  [
    `$containerd = Get-Service -Name ${psQuote(CONTAINERD_SERVICE)} -ErrorAction SilentlyContinue`,
    `$kubelet = Get-Service -Name ${psQuote(KUBELET_SERVICE)} -ErrorAction SilentlyContinue`,
    `$rule = Get-NetFirewallRule -Name ${psQuote(KUBELET_FIREWALL_RULE)} -ErrorAction SilentlyContinue`,
    `$pipe = Test-Path -Path ${psQuote(CONTAINERD_PIPE)}`,
    "@{ containerdService = ($null -ne $containerd); containerdRunning = (($null -ne $containerd) -and ($containerd.Status -eq 'Running')); " +
      'containerdPipe = $pipe; kubeletService = ($null -ne $kubelet); firewallRule = ($null -ne $rule) } | ConvertTo-Json -Compress',
  ].join('\n');

/** The probe's answer; anything else is an error naming the host's output. */
export function parseNodeState(stdout: string): WindowsNodeState {
  const keys: (keyof WindowsNodeState)[] = ['containerdService', 'containerdRunning', 'containerdPipe', 'kubeletService', 'firewallRule'];
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = JSON.parse(stdout.trim()) as Record<string, unknown>;
  } catch {
    parsed = undefined;
  }
  if (!parsed || keys.some((k) => typeof parsed[k] !== 'boolean'))
    throw new Error(`unexpected answer to the node state script: ${stdout.trim().slice(0, 200)}`);
  return Object.fromEntries(keys.map((k) => [k, parsed[k]])) as unknown as WindowsNodeState;
}

/**
 * The kubelet service's command line. The kubelet runs as the service itself (`--windows-service`, no nssm), reading
 * config.yaml (where the Windows settings are: no QoS cgroups, no node allocatable enforcement, empty resolv.conf) and
 * the kubeconfigs at kubeadm's paths on the system drive.
 */
export function kubeletServiceCommandLine(nodeName: string): string {
  return [
    WINDOWS_KUBELET_BINARY,
    '--windows-service',
    `--config=${windowsNodePath(KUBELET_CONFIG_FILE)}`,
    `--bootstrap-kubeconfig=${windowsNodePath('/etc/kubernetes/bootstrap-kubelet.conf')}`,
    `--kubeconfig=${windowsNodePath('/etc/kubernetes/kubelet.conf')}`,
    `--hostname-override=${nodeName}`,
    `--cert-dir=${windowsNodePath('/var/lib/kubelet/pki')}`,
  ].join(' ');
}

/** Registers the kubelet service, started at boot after containerd (PrepareNode.ps1 registers it through nssm). */
export const registerKubeletServiceScript = (nodeName: string): string =>
  `New-Service -Name ${psQuote(KUBELET_SERVICE)} -BinaryPathName ${psQuote(kubeletServiceCommandLine(nodeName))} ` +
  `-DisplayName ${psQuote(KUBELET_SERVICE)} -StartupType Automatic -DependsOn ${psQuote(CONTAINERD_SERVICE)} | Out-Null`;

/** The kubelet's API port open to the control plane (logs, exec, metrics), as PrepareNode.ps1 opens it. */
export const kubeletFirewallRuleScript = (): string =>
  `New-NetFirewallRule -Name ${psQuote(KUBELET_FIREWALL_RULE)} -DisplayName ${psQuote(KUBELET_FIREWALL_RULE)} ` +
  `-Direction Inbound -Protocol TCP -LocalPort ${KUBELET_PORT} -Action Allow | Out-Null`;

/** `C:\var\lib\kubelet\etc\kubernetes\pki` → `C:\etc\kubernetes\pki`, as PrepareNode.ps1 links it. */
export const pkiLinkScript = (): string => `New-Item -ItemType SymbolicLink -Path ${psQuote(KUBELET_PKI_LINK)} -Target ${psQuote(PKI_DIR)} | Out-Null`;
