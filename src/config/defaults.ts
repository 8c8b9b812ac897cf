import { DEFAULT_CERT_DIR, DEFAULT_ETCD_DATA_DIR, MANIFESTS_DIR } from '../constants.js';
import { DEFAULT_KUBERNETES_VERSION } from '../versions/pinned.js';
import {
  KUBEADM_V1BETA4,
  KUBELET_V1BETA1,
  KUBEPROXY_V1ALPHA1,
  type ClusterConfiguration,
  type InitConfig,
  type InitConfiguration,
  type JoinConfiguration,
  type KubeProxyConfiguration,
  type KubeletConfiguration,
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
  tokenGroups: ['system:bootstrappers:kubeadm:default-node-token'],
  tokenUsages: ['signing', 'authentication'],
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

export function defaultInitConfiguration(): InitConfiguration {
  return {
    apiVersion: KUBEADM_V1BETA4,
    kind: 'InitConfiguration',
    bootstrapTokens: [
      {
        token: '',
        ttl: DEFAULTS.tokenTTL,
        usages: [...DEFAULTS.tokenUsages],
        groups: [...DEFAULTS.tokenGroups],
      },
    ],
    nodeRegistration: {
      criSocket: DEFAULTS.criSocket,
      imagePullPolicy: 'IfNotPresent',
      imagePullSerial: true,
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    },
    localAPIEndpoint: { advertiseAddress: '', bindPort: DEFAULTS.bindPort },
    timeouts: { ...DEFAULTS.timeouts },
  };
}

export function defaultClusterConfiguration(): ClusterConfiguration {
  return {
    apiVersion: KUBEADM_V1BETA4,
    kind: 'ClusterConfiguration',
    etcd: { local: { dataDir: DEFAULT_ETCD_DATA_DIR } },
    networking: { serviceSubnet: DEFAULTS.serviceSubnet, dnsDomain: DEFAULTS.dnsDomain },
    kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
    apiServer: {},
    controllerManager: {},
    scheduler: {},
    dns: {},
    proxy: {},
    certificatesDir: DEFAULT_CERT_DIR,
    imageRepository: DEFAULTS.imageRepository,
    clusterName: DEFAULTS.clusterName,
    encryptionAlgorithm: DEFAULTS.encryptionAlgorithm,
    certificateValidityPeriod: DEFAULTS.certificateValidityPeriod,
    caCertificateValidityPeriod: DEFAULTS.caCertificateValidityPeriod,
  };
}

export function defaultJoinConfiguration(): JoinConfiguration {
  return {
    apiVersion: KUBEADM_V1BETA4,
    kind: 'JoinConfiguration',
    caCertPath: `${DEFAULT_CERT_DIR}/ca.crt`,
    nodeRegistration: { criSocket: DEFAULTS.criSocket, imagePullPolicy: 'IfNotPresent', imagePullSerial: true },
    discovery: { bootstrapToken: { token: '', apiServerEndpoint: '', caCertHashes: [] }, tlsBootstrapToken: '' },
    timeouts: { ...DEFAULTS.timeouts },
  };
}

/** The kubelet settings kubeadm sets; the rest keep the kubelet's own defaults. Cluster DNS is filled on resolve. */
export function defaultKubeletConfiguration(): KubeletConfiguration {
  return {
    apiVersion: KUBELET_V1BETA1,
    kind: 'KubeletConfiguration',
    authentication: {
      anonymous: { enabled: false },
      webhook: { cacheTTL: '0s', enabled: true },
      x509: { clientCAFile: `${DEFAULT_CERT_DIR}/ca.crt` },
    },
    authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s' } },
    cgroupDriver: 'systemd',
    clusterDNS: [],
    clusterDomain: DEFAULTS.dnsDomain,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    rotateCertificates: true,
    staticPodPath: MANIFESTS_DIR,
  };
}

export function defaultKubeProxyConfiguration(): KubeProxyConfiguration {
  return {
    apiVersion: KUBEPROXY_V1ALPHA1,
    kind: 'KubeProxyConfiguration',
    bindAddress: '0.0.0.0',
    clientConnection: { kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf' },
    clusterCIDR: '',
    mode: '',
  };
}

/** A complete default InitConfig (before flags and files): what tests and `print init-defaults` start from. */
export function defaultInitConfig(): InitConfig {
  return {
    init: defaultInitConfiguration(),
    cluster: defaultClusterConfiguration(),
    kubelet: defaultKubeletConfiguration(),
    kubeProxy: defaultKubeProxyConfiguration(),
  };
}
