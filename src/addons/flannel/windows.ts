/** Flannel on Windows nodes: bosun's own HostProcess DaemonSet and its CNI configuration (reference §6). */
import type { InitConfig } from '../../config/types.js';
import { configMap, type ConfigMap } from '../../kube/objects.js';
import { apiServerEnv, FLANNEL_WINDOWS_NETWORK, fieldEnv, HOST_PROCESS, WINDOWS_REPOSITORY, WINDOWS_TOLERATIONS } from '../windows.js';
import type { DaemonSet } from '../workloads.js';

export const FLANNEL_NAMESPACE = 'kube-flannel';
export const FLANNEL_WINDOWS_DAEMON_SET = 'kube-flannel-ds-windows-amd64';
const WINDOWS_CONFIG = 'kube-flannel-windows-cfg';
/** Filled by the start script: the node's own address, known only on the node. */
const PROVIDER_ADDRESS = '__PROVIDER_ADDRESS__';
const CNI_BIN = 'C:\\opt\\cni\\bin';
const CNI_CONFIG = 'C:\\etc\\cni\\net.d';

/**
 * The CNI configuration for containerd on Windows: the `flannel.4096` network delegating to `sdnoverlay`, with
 * outbound NAT except to Service and pod addresses, Service traffic routed through the overlay, and the node's
 * address as the VXLAN provider address.
 */
export function windowsCniConf(serviceSubnet: string, podSubnet: string): string {
  const policy = (Type: string, Settings: Record<string, unknown>) => ({ Name: 'EndpointPolicy', Value: { Type, Settings } });
  const conf = {
    name: FLANNEL_WINDOWS_NETWORK,
    cniVersion: '1.0.0',
    type: 'flannel',
    capabilities: { portMappings: true, dns: true },
    delegate: {
      type: 'sdnoverlay',
      AdditionalArgs: [
        policy('OutBoundNAT', { Exceptions: [serviceSubnet, podSubnet] }),
        policy('SDNROUTE', { DestinationPrefix: serviceSubnet, NeedEncap: true }),
        policy('ProviderAddress', { ProviderAddress: PROVIDER_ADDRESS }),
      ],
    },
  };
  return `${JSON.stringify(conf, null, 2)}\n`;
}

/**
 * The HostProcess container's start: CNI plugins onto the host, the CNI configuration with this node's address,
 * a route to the cloud metadata address past the overlay, then flanneld with the cluster's net-conf.json.
 */
const RUN_PS1 = `$ErrorActionPreference = "Stop"
$mounts = $env:CONTAINER_SANDBOX_MOUNT_POINT
New-Item -ItemType Directory -Force -Path $env:CNI_BIN_PATH, $env:CNI_CONFIG_PATH | Out-Null
Copy-Item -Force "$mounts/cni/*" $env:CNI_BIN_PATH
$conf = Get-Content -Raw "$mounts/etc/kube-flannel-windows/cni-conf-containerd.json"
$conf.Replace("${PROVIDER_ADDRESS}", $env:POD_IP) | Set-Content -Encoding ascii "$env:CNI_CONFIG_PATH/10-flannel.conf"
$gateway = (Get-NetRoute -DestinationPrefix 0.0.0.0/0 | Select-Object -First 1).NextHop
route add 169.254.169.254 MASK 255.255.255.255 $gateway | Out-Null
& "$mounts/flannel/flanneld.exe" --kube-subnet-mgr --iface $env:POD_IP --net-config-path "$mounts/etc/kube-flannel/net-conf.json"
`;

export function flannelWindowsConfigMap(cfg: InitConfig, podSubnet: string): ConfigMap {
  return configMap(
    FLANNEL_NAMESPACE,
    WINDOWS_CONFIG,
    { 'cni-conf-containerd.json': windowsCniConf(cfg.cluster.networking.serviceSubnet, podSubnet), 'run.ps1': RUN_PS1 },
    { labels: { tier: 'node', app: 'flannel', 'k8s-app': 'flannel' } },
  );
}

export function flannelWindowsDaemonSet(cfg: InitConfig, flannelVersion: string): DaemonSet {
  const labels = { tier: 'node', app: 'flannel-windows' };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: FLANNEL_WINDOWS_DAEMON_SET, namespace: FLANNEL_NAMESPACE, labels: { ...labels, 'k8s-app': 'flannel' } },
    spec: {
      selector: { matchLabels: { app: labels.app } },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels },
        spec: {
          ...HOST_PROCESS,
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: 'kubernetes.io/os', operator: 'In', values: ['windows'] },
                      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
                    ],
                  },
                ],
              },
            },
          },
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'flannel',
          tolerations: WINDOWS_TOLERATIONS,
          containers: [
            {
              name: 'kube-flannel',
              image: `${WINDOWS_REPOSITORY}/flannel:${flannelVersion}-hostprocess`,
              imagePullPolicy: 'IfNotPresent',
              command: ['powershell'],
              args: ['-File', '$env:CONTAINER_SANDBOX_MOUNT_POINT/etc/kube-flannel-windows/run.ps1'],
              env: [
                { name: 'CNI_BIN_PATH', value: CNI_BIN },
                { name: 'CNI_CONFIG_PATH', value: CNI_CONFIG },
                { name: 'SERVICE_SUBNET', value: cfg.cluster.networking.serviceSubnet },
                ...apiServerEnv(cfg),
                fieldEnv('POD_NAME', 'metadata.name'),
                fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
                fieldEnv('POD_IP', 'status.podIP'),
              ],
              volumeMounts: [
                { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
                { name: 'flannel-windows-cfg', mountPath: '/etc/kube-flannel-windows/' },
              ],
            },
          ],
          volumes: [
            { name: 'flannel-cfg', configMap: { name: 'kube-flannel-cfg' } },
            { name: 'flannel-windows-cfg', configMap: { name: WINDOWS_CONFIG } },
          ],
        },
      },
    },
  };
}
