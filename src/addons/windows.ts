/**
 * The Windows side of a cluster's pod network, as bosun ships it (sig-windows-tools removed its HostProcess
 * manifests, PR #385): HostProcess pods on Windows nodes, and kube-proxy's Windows DaemonSet beside kubeadm's
 * Linux one, reading the same `kube-proxy` ConfigMap.
 */
import type { EnvVar, InitConfig } from '../config/types.js';
import { controlPlaneHostPort } from '../kubeconfig/specs.js';
import { OS_LABEL } from '../kube/labels.js';
import { nodePkiFromInit } from '../pki/input.js';
import { KUBE_PROXY } from './kube-proxy.js';
import type { DaemonSet, PodSpec, Toleration } from './workloads.js';

export const WINDOWS_REPOSITORY = 'sigwindowstools';
/** The HNS network flannel's VXLAN backend makes on Windows (`flannel.<VNI>`), which kube-proxy attaches to. */
export const FLANNEL_WINDOWS_NETWORK = 'flannel.4096';
export const KUBE_PROXY_WINDOWS = { name: 'kube-proxy-windows', namespace: KUBE_PROXY.namespace, label: { 'k8s-app': 'kube-proxy-windows' } } as const;

/** Which pod network a Windows node's kube-proxy serves: its image variant and the HNS network it waits for. */
export type WindowsNetwork = 'flannel' | 'calico';
const KUBE_NETWORK: Record<WindowsNetwork, string> = { flannel: FLANNEL_WINDOWS_NETWORK, calico: 'Calico.*' };

/** HostProcess containers run as a host account, on the host's network: every container of the pod must. */
export const HOST_PROCESS: Pick<PodSpec, 'securityContext' | 'hostNetwork'> = {
  securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\system' } },
  hostNetwork: true,
};

export const WINDOWS_TOLERATIONS: Toleration[] = [
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { operator: 'Exists', effect: 'NoSchedule' },
  { operator: 'Exists', effect: 'NoExecute' },
];

export const fieldEnv = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/**
 * The API server as Windows pods must reach it: Windows cannot reach the `kubernetes` Service VIP before
 * kube-proxy runs (flannel#1772), so in-cluster clients get the control-plane endpoint itself.
 */
export function apiServerEnv(cfg: InitConfig): EnvVar[] {
  const { host, port } = controlPlaneHostPort(nodePkiFromInit(cfg));
  return [
    { name: 'KUBERNETES_SERVICE_HOST', value: host },
    { name: 'KUBERNETES_SERVICE_PORT', value: String(port) },
  ];
}

/**
 * kube-proxy on Windows nodes: the image's start script runs kube-proxy in kernelspace mode (WinOverlay, the
 * source VIP from host-local IPAM) once the network `KUBE_NETWORK` exists, with the config and kubeconfig of
 * kubeadm's `kube-proxy` ConfigMap; the image tag is the cluster's Kubernetes version.
 */
export function kubeProxyWindowsDaemonSet(cfg: InitConfig, network: WindowsNetwork): DaemonSet {
  const labels = { ...KUBE_PROXY_WINDOWS.label };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: KUBE_PROXY_WINDOWS.name, namespace: KUBE_PROXY_WINDOWS.namespace, labels },
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels },
        spec: {
          ...HOST_PROCESS,
          priorityClassName: 'system-node-critical',
          serviceAccountName: KUBE_PROXY.name,
          containers: [
            {
              name: 'kube-proxy',
              image: `${WINDOWS_REPOSITORY}/kube-proxy:${cfg.cluster.kubernetesVersion}-${network}-hostprocess`,
              imagePullPolicy: 'IfNotPresent',
              command: ['powershell'],
              args: ['$env:CONTAINER_SANDBOX_MOUNT_POINT/kube-proxy/start.ps1'],
              workingDir: '$env:CONTAINER_SANDBOX_MOUNT_POINT/kube-proxy/',
              env: [
                fieldEnv('NODE_NAME', 'spec.nodeName'),
                fieldEnv('POD_IP', 'status.podIP'),
                { name: 'KUBE_NETWORK', value: KUBE_NETWORK[network] },
                ...apiServerEnv(cfg),
              ],
              volumeMounts: [{ name: 'kube-proxy', mountPath: '/var/lib/kube-proxy' }],
            },
          ],
          tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { operator: 'Exists' }],
          nodeSelector: { [OS_LABEL]: 'windows' },
          volumes: [{ name: 'kube-proxy', configMap: { name: KUBE_PROXY.name } }],
        },
      },
    },
  };
}
