/**
 * kubeadm's configuration as bosun holds it internally: `kubeadm.k8s.io/v1beta4`
 * (v1beta3 is converted on read). Field names and meanings follow kubeadm exactly.
 */
import type { Taint } from '../kube/workloads.js';

export const KUBEADM_V1BETA4 = 'kubeadm.k8s.io/v1beta4';
export const KUBEADM_V1BETA3 = 'kubeadm.k8s.io/v1beta3';
export const KUBELET_V1BETA1 = 'kubelet.config.k8s.io/v1beta1';
export const KUBEPROXY_V1ALPHA1 = 'kubeproxy.config.k8s.io/v1alpha1';

/** v1beta4 args: an ordered list; a name may repeat. */
export interface Arg {
  name: string;
  value: string;
}

/** corev1.EnvVar: `valueFrom` (field, resource, ConfigMap or Secret reference) is passed through as given. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface HostPathMount {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly?: boolean;
  pathType?: string;
}

/** Taints in nodeRegistration are the API's corev1.Taint. */
export type { Taint };

export interface BootstrapToken {
  /** `[a-z0-9]{6}.[a-z0-9]{16}`; empty until resolve generates one. A secret: never log it. */
  token: string;
  description?: string;
  ttl?: string;
  expires?: string;
  usages?: string[];
  groups?: string[];
}

export interface NodeRegistrationOptions {
  name?: string;
  criSocket?: string;
  /** null/absent: kubeadm's default (the control-plane taint on control-plane nodes); `[]`: no taints. */
  taints?: Taint[] | null;
  kubeletExtraArgs?: Arg[];
  ignorePreflightErrors?: string[];
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  imagePullSerial?: boolean;
}

export interface APIEndpoint {
  advertiseAddress?: string;
  bindPort?: number;
}

export interface Timeouts {
  controlPlaneComponentHealthCheck?: string;
  kubeletHealthCheck?: string;
  kubernetesAPICall?: string;
  etcdAPICall?: string;
  tlsBootstrap?: string;
  discovery?: string;
  upgradeManifests?: string;
}

export interface Patches {
  directory?: string;
}

export interface InitConfiguration {
  apiVersion: typeof KUBEADM_V1BETA4;
  kind: 'InitConfiguration';
  bootstrapTokens?: BootstrapToken[];
  dryRun?: boolean;
  nodeRegistration: NodeRegistrationOptions;
  localAPIEndpoint: APIEndpoint;
  certificateKey?: string;
  skipPhases?: string[];
  patches?: Patches;
  timeouts?: Timeouts;
}

export interface ControlPlaneComponent {
  extraArgs?: Arg[];
  extraEnvs?: EnvVar[];
  extraVolumes?: HostPathMount[];
}

export interface APIServer extends ControlPlaneComponent {
  certSANs?: string[];
}

export interface LocalEtcd {
  imageRepository?: string;
  imageTag?: string;
  dataDir: string;
  extraArgs?: Arg[];
  extraEnvs?: EnvVar[];
  serverCertSANs?: string[];
  peerCertSANs?: string[];
}

export interface ExternalEtcd {
  endpoints: string[];
  /** Plain-HTTP endpoints for health checks; defaults to `endpoints`. */
  httpEndpoints?: string[];
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export type EncryptionAlgorithm = 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'ECDSA-P256' | 'ECDSA-P384';

export interface ClusterConfiguration {
  apiVersion: typeof KUBEADM_V1BETA4;
  kind: 'ClusterConfiguration';
  etcd: { local?: LocalEtcd; external?: ExternalEtcd };
  networking: { serviceSubnet: string; podSubnet?: string; dnsDomain: string };
  kubernetesVersion: string;
  controlPlaneEndpoint?: string;
  apiServer: APIServer;
  controllerManager: ControlPlaneComponent;
  scheduler: ControlPlaneComponent;
  dns: { imageRepository?: string; imageTag?: string; disabled?: boolean };
  proxy: { disabled?: boolean };
  certificatesDir: string;
  imageRepository: string;
  featureGates?: Record<string, boolean>;
  clusterName: string;
  encryptionAlgorithm: EncryptionAlgorithm;
  certificateValidityPeriod: string;
  caCertificateValidityPeriod: string;
}

export interface Discovery {
  bootstrapToken?: {
    token: string;
    apiServerEndpoint?: string;
    caCertHashes?: string[];
    unsafeSkipCAVerification?: boolean;
  };
  file?: { kubeConfigPath: string };
  tlsBootstrapToken?: string;
}

export interface JoinConfiguration {
  apiVersion: typeof KUBEADM_V1BETA4;
  kind: 'JoinConfiguration';
  dryRun?: boolean;
  nodeRegistration: NodeRegistrationOptions;
  caCertPath: string;
  discovery: Discovery;
  controlPlane?: { localAPIEndpoint?: APIEndpoint; certificateKey?: string };
  skipPhases?: string[];
  patches?: Patches;
  timeouts?: Timeouts;
}

/** KubeletConfiguration (kubelet.config.k8s.io/v1beta1): the fields bosun sets are typed, the rest pass through. */
export interface KubeletConfiguration {
  apiVersion: typeof KUBELET_V1BETA1;
  kind: 'KubeletConfiguration';
  cgroupDriver?: 'systemd' | 'cgroupfs';
  clusterDNS?: string[];
  clusterDomain?: string;
  staticPodPath?: string;
  rotateCertificates?: boolean;
  containerRuntimeEndpoint?: string;
  [field: string]: unknown;
}

/** KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1). */
export interface KubeProxyConfiguration {
  apiVersion: typeof KUBEPROXY_V1ALPHA1;
  kind: 'KubeProxyConfiguration';
  clusterCIDR?: string;
  mode?: string;
  [field: string]: unknown;
}

/** Everything `bosun init` acts on, defaults applied and validated. */
export interface InitConfig {
  init: InitConfiguration;
  cluster: ClusterConfiguration;
  kubelet: KubeletConfiguration;
  kubeProxy: KubeProxyConfiguration;
  /** The `*_proxy` variables of the environment bosun runs in: kubeadm gives them to the control plane and kube-proxy. */
  proxyEnv: EnvVar[];
  /** The addons besides the essential ones that init installs (an AddonConfiguration document), in order. */
  addons?: AddonRequest[];
}

/** An addon asked for by name, with its settings (AddonSettings of src/addons/addon.ts). */
export interface AddonRequest {
  name: string;
  version?: string;
  windows?: boolean;
  mode?: string;
  localDNS?: string;
  skipCorefileMigration?: boolean;
}

/** Everything `bosun join` acts on, defaults applied and validated. */
export interface JoinConfig {
  join: JoinConfiguration;
  kubelet?: KubeletConfiguration;
  /** As InitConfig's: what the control plane of a joining control-plane node gets. */
  proxyEnv: EnvVar[];
}
