/** The static Pods of kube-apiserver, kube-controller-manager and kube-scheduler, as kubeadm writes them. */
import path from 'node:path/posix';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../kube/paths.js';
import type { APIEndpoint, Arg, ClusterConfiguration, ControlPlaneComponent as ControlPlaneComponentSettings, EnvVar } from '../config/types.js';
import { joinHostPort, loopbackFor, probeHost } from './address.js';
import { argValue, argsToCommand, mergeEnv, setArg } from './args.js';
import { kubernetesImage } from './images.js';
import { ETCD_CLIENT_PORT, KUBE_CONTROLLER_MANAGER_PORT, KUBE_SCHEDULER_PORT } from './ports.js';
import { livenessProbe, probePort, readinessProbe, staticPod, startupProbe, volumeMountsOf, volumesOf, type Pod } from './pod.js';
import { controlPlaneMounts, type ControlPlaneComponent } from './volumes.js';
import { APISERVER_ADVERTISE_ADDRESS_ANNOTATION } from '../kube/labels.js';

export const CONTROL_PLANE_COMPONENTS: readonly ControlPlaneComponent[] = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

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

/** The flags the controller-manager and the scheduler start with: loopback, leader election, one kubeconfig for all. */
function leaderElectedArgs(kubeconfigFile: string): Arg[] {
  const kubeconfig = path.join(KUBERNETES_DIR, kubeconfigFile);
  return [
    { name: 'bind-address', value: '127.0.0.1' },
    { name: 'leader-elect', value: 'true' },
    { name: 'kubeconfig', value: kubeconfig },
    { name: 'authentication-kubeconfig', value: kubeconfig },
    { name: 'authorization-kubeconfig', value: kubeconfig },
  ];
}

function controllerManagerArgs(input: ControlPlaneInput): Arg[] {
  const { cluster } = input;
  let args: Arg[] = [
    ...leaderElectedArgs(KUBECONFIG_FILES.controllerManager),
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

/** Where a component's probes connect: its `bind-address` extra arg, else loopback. */
function boundProbeHost(extraArgs: Arg[] | undefined): string | undefined {
  const bind = argValue(extraArgs, 'bind-address');
  return bind === undefined ? '127.0.0.1' : probeHost(bind);
}

/** What sets one control-plane component's static Pod apart from the others'. */
interface ComponentPod {
  name: ControlPlaneComponent;
  args: Arg[];
  /** The component's section of the ClusterConfiguration: extra args and environment. */
  settings: ControlPlaneComponentSettings;
  /** Where its probes connect (none: the Pod's IP), and the port they name. */
  probeHost: string | undefined;
  port: number;
  /** The path its liveness and startup probes ask. */
  healthPath: '/livez' | '/healthz';
  /** Whether it has a readiness probe (`/readyz`); kubeadm gives the controller-manager none. */
  ready: boolean;
  cpu: string;
  annotations?: Record<string, string>;
}

/** A control-plane component's static Pod: kubeadm writes the three alike but for what ComponentPod holds. */
function componentPod(input: ControlPlaneInput, c: ComponentPod): Pod {
  const mounts = controlPlaneMounts(input.cluster, input.presentCADirs)[c.name];
  return staticPod(
    {
      command: [c.name, ...argsToCommand(c.args, c.settings.extraArgs)],
      env: mergeEnv(input.proxyEnv, c.settings.extraEnvs),
      image: kubernetesImage(c.name, input.cluster),
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: livenessProbe(c.probeHost, c.healthPath, 'HTTPS'),
      name: c.name,
      ports: [probePort(c.port)],
      readinessProbe: c.ready ? readinessProbe(c.probeHost, '/readyz', 'HTTPS') : undefined,
      resources: { requests: { cpu: c.cpu } },
      startupProbe: startupProbe(c.probeHost, c.healthPath, 'HTTPS', input.healthCheckTimeoutSeconds),
      volumeMounts: volumeMountsOf(mounts),
    },
    volumesOf(mounts),
    c.annotations,
  );
}

export function kubeAPIServerPod(input: ControlPlaneInput): Pod {
  const { cluster, endpoint } = input;
  return componentPod(input, {
    name: 'kube-apiserver',
    args: apiServerArgs(input),
    settings: cluster.apiServer,
    probeHost: endpoint.advertiseAddress ? probeHost(endpoint.advertiseAddress) : '127.0.0.1',
    port: endpoint.bindPort,
    healthPath: '/livez',
    ready: true,
    cpu: '250m',
    annotations: { [APISERVER_ADVERTISE_ADDRESS_ANNOTATION]: joinHostPort(endpoint.advertiseAddress, endpoint.bindPort) },
  });
}

export function kubeControllerManagerPod(input: ControlPlaneInput): Pod {
  const settings = input.cluster.controllerManager;
  return componentPod(input, {
    name: 'kube-controller-manager',
    args: controllerManagerArgs(input),
    settings,
    probeHost: boundProbeHost(settings.extraArgs),
    port: KUBE_CONTROLLER_MANAGER_PORT,
    healthPath: '/healthz',
    ready: false,
    cpu: '200m',
  });
}

export function kubeSchedulerPod(input: ControlPlaneInput): Pod {
  const settings = input.cluster.scheduler;
  return componentPod(input, {
    name: 'kube-scheduler',
    args: leaderElectedArgs(KUBECONFIG_FILES.scheduler),
    settings,
    probeHost: boundProbeHost(settings.extraArgs),
    port: KUBE_SCHEDULER_PORT,
    healthPath: '/livez',
    ready: true,
    cpu: '100m',
  });
}

export const CONTROL_PLANE_PODS: Record<ControlPlaneComponent, (input: ControlPlaneInput) => Pod> = {
  'kube-apiserver': kubeAPIServerPod,
  'kube-controller-manager': kubeControllerManagerPod,
  'kube-scheduler': kubeSchedulerPod,
};
