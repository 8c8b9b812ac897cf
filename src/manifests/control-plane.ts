/** The static Pods of kube-apiserver, kube-controller-manager and kube-scheduler, as kubeadm writes them. */
import path from 'node:path/posix';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../kube/paths.js';
import type { APIEndpoint, Arg, ClusterConfiguration, EnvVar } from '../config/types.js';
import { joinHostPort, loopbackFor, probeHost } from './address.js';
import { argValue, argsToCommand, mergeEnv, setArg } from './args.js';
import { kubernetesImage } from './images.js';
import { ETCD_CLIENT_PORT, KUBE_CONTROLLER_MANAGER_PORT, KUBE_SCHEDULER_PORT } from './ports.js';
import {
  livenessProbe,
  probePort,
  readinessProbe,
  staticPod,
  startupProbe,
  volumeMountsOf,
  volumesOf,
  type Pod,
} from './pod.js';
import { controlPlaneMounts, type ControlPlaneComponent } from './volumes.js';
import { APISERVER_ADVERTISE_ADDRESS_ANNOTATION } from '../kube/labels.js';

export const CONTROL_PLANE_COMPONENTS: readonly ControlPlaneComponent[] = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
];

/** What the control-plane Pods are computed from; the phase reads the host facts. */
export interface ControlPlaneInput {
  cluster: ClusterConfiguration;
  /** This node's API endpoint (resolved: advertise address and port set). */
  endpoint: Required<APIEndpoint>;
  /** Which optional CA bundle directories exist on the node. */
  presentCADirs: readonly string[];
  /** `*_proxy` variables of the environment bosun runs in. */
  proxyEnv: EnvVar[];
  /** ca.crt without ca.key: the controller-manager cannot sign certificates. */
  externalCA: boolean;
  /** The control-plane health-check timeout in seconds (startup probes give up after it). */
  healthCheckTimeoutSeconds: number;
}

const pki = (cluster: ClusterConfiguration, file: string) => path.join(cluster.certificatesDir, file);

function apiServerArgs(input: ControlPlaneInput): Arg[] {
  const { cluster, endpoint } = input;
  let args: Arg[] = [
    { name: 'advertise-address', value: endpoint.advertiseAddress },
    { name: 'enable-admission-plugins', value: 'NodeRestriction' },
    { name: 'service-cluster-ip-range', value: cluster.networking.serviceSubnet },
    { name: 'service-account-key-file', value: pki(cluster, 'sa.pub') },
    { name: 'service-account-signing-key-file', value: pki(cluster, 'sa.key') },
    { name: 'service-account-issuer', value: `https://kubernetes.default.svc.${cluster.networking.dnsDomain}` },
    { name: 'client-ca-file', value: pki(cluster, 'ca.crt') },
    { name: 'tls-cert-file', value: pki(cluster, 'apiserver.crt') },
    { name: 'tls-private-key-file', value: pki(cluster, 'apiserver.key') },
    { name: 'kubelet-client-certificate', value: pki(cluster, 'apiserver-kubelet-client.crt') },
    { name: 'kubelet-client-key', value: pki(cluster, 'apiserver-kubelet-client.key') },
    { name: 'enable-bootstrap-token-auth', value: 'true' },
    { name: 'secure-port', value: String(endpoint.bindPort) },
    { name: 'allow-privileged', value: 'true' },
    { name: 'kubelet-preferred-address-types', value: 'InternalIP,ExternalIP,Hostname' },
    { name: 'requestheader-username-headers', value: 'X-Remote-User' },
    { name: 'requestheader-group-headers', value: 'X-Remote-Group' },
    { name: 'requestheader-extra-headers-prefix', value: 'X-Remote-Extra-' },
    { name: 'requestheader-client-ca-file', value: pki(cluster, 'front-proxy-ca.crt') },
    { name: 'requestheader-allowed-names', value: 'front-proxy-client' },
    { name: 'proxy-client-cert-file', value: pki(cluster, 'front-proxy-client.crt') },
    { name: 'proxy-client-key-file', value: pki(cluster, 'front-proxy-client.key') },
  ];
  const external = cluster.etcd.external;
  if (external) {
    args = setArg(args, 'etcd-servers', external.endpoints.join(','));
    if (external.caFile) args = setArg(args, 'etcd-cafile', external.caFile);
    if (external.certFile && external.keyFile) {
      args = setArg(args, 'etcd-certfile', external.certFile);
      args = setArg(args, 'etcd-keyfile', external.keyFile);
    }
  } else {
    // A local etcd that advertises other client URLs is reached there.
    const advertised = argValue(cluster.etcd.local?.extraArgs, 'advertise-client-urls');
    const local = `https://${joinHostPort(loopbackFor(endpoint.advertiseAddress), ETCD_CLIENT_PORT)}`;
    args = setArg(args, 'etcd-servers', advertised ?? local);
    args = setArg(args, 'etcd-cafile', pki(cluster, 'etcd/ca.crt'));
    args = setArg(args, 'etcd-certfile', pki(cluster, 'apiserver-etcd-client.crt'));
    args = setArg(args, 'etcd-keyfile', pki(cluster, 'apiserver-etcd-client.key'));
  }
  // A structured authorization config excludes the mode flag; a user's authorization-mode replaces it as any extra arg.
  if (argValue(cluster.apiServer.extraArgs, 'authorization-config') === undefined) {
    args = setArg(args, 'authorization-mode', 'Node,RBAC');
  }
  return args;
}

function controllerManagerArgs(input: ControlPlaneInput): Arg[] {
  const { cluster } = input;
  const kubeconfig = path.join(KUBERNETES_DIR, KUBECONFIG_FILES.controllerManager);
  let args: Arg[] = [
    { name: 'bind-address', value: '127.0.0.1' },
    { name: 'leader-elect', value: 'true' },
    { name: 'kubeconfig', value: kubeconfig },
    { name: 'authentication-kubeconfig', value: kubeconfig },
    { name: 'authorization-kubeconfig', value: kubeconfig },
    { name: 'client-ca-file', value: pki(cluster, 'ca.crt') },
    { name: 'requestheader-client-ca-file', value: pki(cluster, 'front-proxy-ca.crt') },
    { name: 'root-ca-file', value: pki(cluster, 'ca.crt') },
    { name: 'service-account-private-key-file', value: pki(cluster, 'sa.key') },
    { name: 'cluster-signing-cert-file', value: pki(cluster, 'ca.crt') },
    { name: 'cluster-signing-key-file', value: pki(cluster, 'ca.key') },
    { name: 'use-service-account-credentials', value: 'true' },
    { name: 'controllers', value: '*,bootstrapsigner,tokencleaner' },
  ];
  if (input.externalCA) {
    // Without the CA key the controller-manager must not try to sign; an external signer does.
    args = setArg(args, 'cluster-signing-key-file', '');
    args = setArg(args, 'cluster-signing-cert-file', '');
  }
  const { podSubnet, serviceSubnet } = cluster.networking;
  if (podSubnet) {
    args = setArg(args, 'allocate-node-cidrs', 'true');
    args = setArg(args, 'cluster-cidr', podSubnet);
    if (serviceSubnet) args = setArg(args, 'service-cluster-ip-range', serviceSubnet);
  }
  if (cluster.clusterName) args = setArg(args, 'cluster-name', cluster.clusterName);
  return args;
}

function schedulerArgs(): Arg[] {
  const kubeconfig = path.join(KUBERNETES_DIR, KUBECONFIG_FILES.scheduler);
  return [
    { name: 'bind-address', value: '127.0.0.1' },
    { name: 'leader-elect', value: 'true' },
    { name: 'kubeconfig', value: kubeconfig },
    { name: 'authentication-kubeconfig', value: kubeconfig },
    { name: 'authorization-kubeconfig', value: kubeconfig },
  ];
}

/** Where a component's probes connect: its `bind-address` extra arg, else loopback. */
function boundProbeHost(extraArgs: Arg[] | undefined): string | undefined {
  const bind = argValue(extraArgs, 'bind-address');
  return bind === undefined ? '127.0.0.1' : probeHost(bind);
}

export function kubeAPIServerPod(input: ControlPlaneInput): Pod {
  const { cluster, endpoint } = input;
  const mounts = controlPlaneMounts(cluster, input.presentCADirs)['kube-apiserver'];
  const host = endpoint.advertiseAddress ? probeHost(endpoint.advertiseAddress) : '127.0.0.1';
  return staticPod(
    {
      command: ['kube-apiserver', ...argsToCommand(apiServerArgs(input), cluster.apiServer.extraArgs)],
      env: mergeEnv(input.proxyEnv, cluster.apiServer.extraEnvs),
      image: kubernetesImage('kube-apiserver', cluster),
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: livenessProbe(host, '/livez', 'HTTPS'),
      name: 'kube-apiserver',
      ports: [probePort(endpoint.bindPort)],
      readinessProbe: readinessProbe(host, '/readyz', 'HTTPS'),
      resources: { requests: { cpu: '250m' } },
      startupProbe: startupProbe(host, '/livez', 'HTTPS', input.healthCheckTimeoutSeconds),
      volumeMounts: volumeMountsOf(mounts),
    },
    volumesOf(mounts),
    { [APISERVER_ADVERTISE_ADDRESS_ANNOTATION]: joinHostPort(endpoint.advertiseAddress, endpoint.bindPort) },
  );
}

export function kubeControllerManagerPod(input: ControlPlaneInput): Pod {
  const { cluster } = input;
  const mounts = controlPlaneMounts(cluster, input.presentCADirs)['kube-controller-manager'];
  const host = boundProbeHost(cluster.controllerManager.extraArgs);
  return staticPod(
    {
      command: ['kube-controller-manager', ...argsToCommand(controllerManagerArgs(input), cluster.controllerManager.extraArgs)],
      env: mergeEnv(input.proxyEnv, cluster.controllerManager.extraEnvs),
      image: kubernetesImage('kube-controller-manager', cluster),
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: livenessProbe(host, '/healthz', 'HTTPS'),
      name: 'kube-controller-manager',
      ports: [probePort(KUBE_CONTROLLER_MANAGER_PORT)],
      resources: { requests: { cpu: '200m' } },
      startupProbe: startupProbe(host, '/healthz', 'HTTPS', input.healthCheckTimeoutSeconds),
      volumeMounts: volumeMountsOf(mounts),
    },
    volumesOf(mounts),
  );
}

export function kubeSchedulerPod(input: ControlPlaneInput): Pod {
  const { cluster } = input;
  const mounts = controlPlaneMounts(cluster, input.presentCADirs)['kube-scheduler'];
  const host = boundProbeHost(cluster.scheduler.extraArgs);
  return staticPod(
    {
      command: ['kube-scheduler', ...argsToCommand(schedulerArgs(), cluster.scheduler.extraArgs)],
      env: mergeEnv(input.proxyEnv, cluster.scheduler.extraEnvs),
      image: kubernetesImage('kube-scheduler', cluster),
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: livenessProbe(host, '/livez', 'HTTPS'),
      name: 'kube-scheduler',
      ports: [probePort(KUBE_SCHEDULER_PORT)],
      readinessProbe: readinessProbe(host, '/readyz', 'HTTPS'),
      resources: { requests: { cpu: '100m' } },
      startupProbe: startupProbe(host, '/livez', 'HTTPS', input.healthCheckTimeoutSeconds),
      volumeMounts: volumeMountsOf(mounts),
    },
    volumesOf(mounts),
  );
}

export const CONTROL_PLANE_PODS: Record<ControlPlaneComponent, (input: ControlPlaneInput) => Pod> = {
  'kube-apiserver': kubeAPIServerPod,
  'kube-controller-manager': kubeControllerManagerPod,
  'kube-scheduler': kubeSchedulerPod,
};
