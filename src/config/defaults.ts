import { CONTROL_PLANE_TAINT } from '../kube/labels.js';
import { DEFAULT_CERT_DIR, DEFAULT_ETCD_DATA_DIR } from '../kube/paths.js';
import { DEFAULT_TOKEN_GROUP, TOKEN_USAGES } from '../tokens/token.js';
import { DEFAULT_KUBERNETES_VERSION } from '../versions/pinned.js';
import { clusterKubeletConfiguration } from '../kubelet/config.js';
import { parseIP } from './net.js';
import type { ClusterFile, InitFile, JoinFile } from './schema.js';
import {
  KUBEADM_V1BETA4,
  KUBELET_V1BETA1,
  KUBEPROXY_V1ALPHA1,
  type APIEndpoint,
  type Arg,
  type BootstrapToken,
  type ClusterConfiguration,
  type ControlPlaneComponent,
  type InitConfig,
  type InitConfiguration,
  type JoinConfiguration,
  type KubeProxyConfiguration,
  type KubeletConfiguration,
  type NodeRegistrationOptions,
  type Taint,
  type Timeouts,
} from './types.js';

/** kubeadm's defaults, as `bosun config print init-defaults` shows them. */
export const DEFAULTS = {
  serviceSubnet: '10.96.0.0/12',
  dnsDomain: 'cluster.local',
  bindPort: 6443,
  imageRepository: 'registry.k8s.io',
  criSocket: 'unix:///var/run/containerd/containerd.sock',
  clusterName: 'kubernetes',
  certificateValidityPeriod: '8760h0m0s',
  caCertificateValidityPeriod: '87600h0m0s',
  encryptionAlgorithm: 'RSA-2048',
  tokenTTL: '24h0m0s',
  tokenGroups: [DEFAULT_TOKEN_GROUP],
  tokenUsages: [...TOKEN_USAGES],
  caCertPath: `${DEFAULT_CERT_DIR}/ca.crt`,
  kubeProxyKubeconfig: '/var/lib/kube-proxy/kubeconfig.conf',
  /** kubeadm 1.37 sets it explicitly so kube-proxy stops warning; nftables is the recommended alternative. */
  kubeProxyMode: 'iptables',
  timeouts: {
    controlPlaneComponentHealthCheck: '4m0s',
    kubeletHealthCheck: '4m0s',
    kubernetesAPICall: '1m0s',
    etcdAPICall: '2m0s',
    tlsBootstrap: '5m0s',
    discovery: '5m0s',
    upgradeManifests: '5m0s',
  },
} as const;

/*
 * `…WithDefaults(file)` fill what a document leaves unset, as kubeadm's SetDefaults_* do: Go's zero values
 * ("" and 0) count as unset, lists are taken whole. Host-dependent values (node name, advertise address,
 * a random token) are not defaults; resolve fills them.
 */

function timeoutsWithDefaults(t: Timeouts = {}): Required<Timeouts> {
  const d = DEFAULTS.timeouts;
  return {
    controlPlaneComponentHealthCheck: t.controlPlaneComponentHealthCheck ?? d.controlPlaneComponentHealthCheck,
    kubeletHealthCheck: t.kubeletHealthCheck ?? d.kubeletHealthCheck,
    kubernetesAPICall: t.kubernetesAPICall ?? d.kubernetesAPICall,
    etcdAPICall: t.etcdAPICall ?? d.etcdAPICall,
    tlsBootstrap: t.tlsBootstrap ?? d.tlsBootstrap,
    discovery: t.discovery ?? d.discovery,
    upgradeManifests: t.upgradeManifests ?? d.upgradeManifests,
  };
}

function nodeRegistrationWithDefaults(n: InitFile['nodeRegistration'] = {}, taints?: Taint[]): NodeRegistrationOptions {
  return {
    ...(n.name && { name: n.name }),
    criSocket: n.criSocket || DEFAULTS.criSocket,
    ...(n.taints ? { taints: n.taints } : taints && { taints }),
    ...(n.kubeletExtraArgs && { kubeletExtraArgs: n.kubeletExtraArgs }),
    ...(n.ignorePreflightErrors && { ignorePreflightErrors: n.ignorePreflightErrors }),
    imagePullPolicy: n.imagePullPolicy || 'IfNotPresent',
    imagePullSerial: n.imagePullSerial ?? true,
  };
}

function tokenWithDefaults(t: NonNullable<InitFile['bootstrapTokens']>[number]): BootstrapToken {
  const usages = t.usages?.length ? t.usages : [...DEFAULTS.tokenUsages];
  return {
    token: t.token ?? '',
    ...(t.description && { description: t.description }),
    ...((t.ttl || !t.expires) && { ttl: t.ttl || DEFAULTS.tokenTTL }),
    ...(t.expires && { expires: t.expires }),
    usages,
    // Groups only mean something to authentication; kubeadm would add them anyway and then refuse the token.
    ...((t.groups?.length || usages.includes('authentication')) && { groups: t.groups?.length ? t.groups : [...DEFAULTS.tokenGroups] }),
  };
}

function apiEndpointWithDefaults(e: APIEndpoint = {}): APIEndpoint {
  return { ...(e.advertiseAddress && { advertiseAddress: e.advertiseAddress }), bindPort: e.bindPort || DEFAULTS.bindPort };
}

/** `controlPlaneTimeout`: a v1beta3 ClusterConfiguration's apiServer.timeoutForControlPlane, moved here in v1beta4. */
export function initWithDefaults(f: InitFile = {}, controlPlaneTimeout?: string): InitConfiguration {
  const timeouts = { ...f.timeouts };
  timeouts.controlPlaneComponentHealthCheck ??= controlPlaneTimeout;
  return {
    apiVersion: KUBEADM_V1BETA4,
    kind: 'InitConfiguration',
    bootstrapTokens: (f.bootstrapTokens?.length ? f.bootstrapTokens : [{}]).map((t) => tokenWithDefaults(t)),
    ...(f.dryRun !== undefined && { dryRun: f.dryRun }),
    nodeRegistration: nodeRegistrationWithDefaults(f.nodeRegistration, [CONTROL_PLANE_TAINT]),
    localAPIEndpoint: apiEndpointWithDefaults(f.localAPIEndpoint),
    ...(f.certificateKey && { certificateKey: f.certificateKey }),
    ...(f.skipPhases && { skipPhases: f.skipPhases }),
    ...(f.patches && { patches: f.patches }),
    timeouts: timeoutsWithDefaults(timeouts),
  };
}

function component(
  c: { extraArgs?: Arg[]; extraEnvs?: ControlPlaneComponent['extraEnvs']; extraVolumes?: ControlPlaneComponent['extraVolumes'] } = {},
): ControlPlaneComponent {
  return {
    ...(c.extraArgs && { extraArgs: c.extraArgs }),
    ...(c.extraVolumes && { extraVolumes: c.extraVolumes }),
    ...(c.extraEnvs && { extraEnvs: c.extraEnvs }),
  };
}

export function clusterWithDefaults(f: ClusterFile = {}): ClusterConfiguration {
  const local = f.etcd?.local ?? (f.etcd?.external ? undefined : {});
  return {
    apiVersion: KUBEADM_V1BETA4,
    kind: 'ClusterConfiguration',
    etcd: {
      ...(local && { local: { ...local, dataDir: local.dataDir || DEFAULT_ETCD_DATA_DIR } }),
      ...(f.etcd?.external && {
        external: {
          ...f.etcd.external,
          endpoints: f.etcd.external.endpoints ?? [],
          httpEndpoints: f.etcd.external.httpEndpoints?.length ? f.etcd.external.httpEndpoints : (f.etcd.external.endpoints ?? []),
        },
      }),
    },
    networking: {
      serviceSubnet: f.networking?.serviceSubnet || DEFAULTS.serviceSubnet,
      ...(f.networking?.podSubnet && { podSubnet: f.networking.podSubnet }),
      dnsDomain: f.networking?.dnsDomain || DEFAULTS.dnsDomain,
    },
    kubernetesVersion: f.kubernetesVersion || DEFAULT_KUBERNETES_VERSION,
    ...(f.controlPlaneEndpoint && { controlPlaneEndpoint: f.controlPlaneEndpoint }),
    apiServer: { ...component(f.apiServer), ...(f.apiServer?.certSANs && { certSANs: f.apiServer.certSANs }) },
    controllerManager: component(f.controllerManager),
    scheduler: component(f.scheduler),
    dns: { ...f.dns },
    proxy: { ...f.proxy },
    certificatesDir: f.certificatesDir || DEFAULT_CERT_DIR,
    imageRepository: f.imageRepository || DEFAULTS.imageRepository,
    ...(f.featureGates && { featureGates: f.featureGates }),
    clusterName: f.clusterName || DEFAULTS.clusterName,
    encryptionAlgorithm: f.encryptionAlgorithm || DEFAULTS.encryptionAlgorithm,
    certificateValidityPeriod: f.certificateValidityPeriod ?? DEFAULTS.certificateValidityPeriod,
    caCertificateValidityPeriod: f.caCertificateValidityPeriod ?? DEFAULTS.caCertificateValidityPeriod,
  };
}

export function joinWithDefaults(f: JoinFile = {}, controlPlaneTimeout?: string): JoinConfiguration {
  const d = f.discovery ?? {};
  const timeouts = { ...f.timeouts };
  timeouts.controlPlaneComponentHealthCheck ??= controlPlaneTimeout;
  const kubeConfigPath = d.file?.kubeConfigPath ?? '';
  return {
    apiVersion: KUBEADM_V1BETA4,
    kind: 'JoinConfiguration',
    ...(f.dryRun !== undefined && { dryRun: f.dryRun }),
    nodeRegistration: nodeRegistrationWithDefaults(f.nodeRegistration),
    caCertPath: f.caCertPath || DEFAULTS.caCertPath,
    discovery: {
      ...(d.bootstrapToken && { bootstrapToken: { token: '', ...d.bootstrapToken } }),
      // A file:// URL is read as the path it names.
      ...(d.file && { file: { kubeConfigPath: kubeConfigPath.startsWith('file://') ? new URL(kubeConfigPath).pathname : kubeConfigPath } }),
      ...((d.tlsBootstrapToken || d.bootstrapToken?.token) && { tlsBootstrapToken: d.tlsBootstrapToken || d.bootstrapToken?.token }),
    },
    ...(f.controlPlane && {
      controlPlane: {
        localAPIEndpoint: apiEndpointWithDefaults(f.controlPlane.localAPIEndpoint),
        ...(f.controlPlane.certificateKey && { certificateKey: f.controlPlane.certificateKey }),
      },
    }),
    ...(f.skipPhases && { skipPhases: f.skipPhases }),
    ...(f.patches && { patches: f.patches }),
    timeouts: timeoutsWithDefaults(timeouts),
  };
}

/**
 * The kubelet settings kubeadm sets when the user's KubeletConfiguration leaves them unset; everything
 * else keeps the kubelet's own defaults (one rule set, shared with the kubelet-start phase).
 */
export function kubeletWithDefaults(user: Partial<KubeletConfiguration> = {}, cluster = clusterWithDefaults()): KubeletConfiguration {
  return clusterKubeletConfiguration({ ...user, apiVersion: KUBELET_V1BETA1, kind: 'KubeletConfiguration' }, cluster);
}

/** kube-proxy: binds the wildcard of the advertise address's family, pods' CIDR from the pod subnet. */
export function kubeProxyWithDefaults(
  user: Partial<KubeProxyConfiguration> = {},
  cluster = clusterWithDefaults(),
  advertiseAddress = '',
): KubeProxyConfiguration {
  const { apiVersion: _apiVersion, kind: _kind, bindAddress, clientConnection, clusterCIDR, mode, ...rest } = user;
  const { kubeconfig, ...connection } = (clientConnection ?? {}) as { kubeconfig?: string };
  // The defaulted fields first, whatever order the user's document had: the ConfigMap's text is then the same when
  // it is rebuilt from what it stored (an addon re-applied changes nothing).
  return {
    apiVersion: KUBEPROXY_V1ALPHA1,
    kind: 'KubeProxyConfiguration',
    bindAddress: (bindAddress as string | undefined) || (parseIP(advertiseAddress)?.family === 6 ? '::' : '0.0.0.0'),
    clientConnection: { kubeconfig: kubeconfig || DEFAULTS.kubeProxyKubeconfig, ...connection },
    clusterCIDR: clusterCIDR || cluster.networking.podSubnet || '',
    mode: mode || DEFAULTS.kubeProxyMode,
    ...rest,
  };
}

export function defaultInitConfiguration(): InitConfiguration {
  return initWithDefaults();
}

export function defaultClusterConfiguration(): ClusterConfiguration {
  return clusterWithDefaults();
}

export function defaultJoinConfiguration(): JoinConfiguration {
  return joinWithDefaults();
}

export function defaultKubeletConfiguration(): KubeletConfiguration {
  return kubeletWithDefaults();
}

export function defaultKubeProxyConfiguration(): KubeProxyConfiguration {
  return kubeProxyWithDefaults();
}

/** A complete default InitConfig (before flags and files): what tests and `print init-defaults` start from. */
export function defaultInitConfig(): InitConfig {
  const cluster = defaultClusterConfiguration();
  return {
    init: defaultInitConfiguration(),
    cluster,
    kubelet: kubeletWithDefaults({}, cluster),
    kubeProxy: kubeProxyWithDefaults({}, cluster),
    proxyEnv: [],
  };
}
