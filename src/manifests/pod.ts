/**
 * The part of core/v1 Pod that kubeadm's static Pods use, as typed values.
 * Constructors build each object with its keys in the order kubeadm's YAML has them (alphabetical,
 * as Kubernetes' YAML serializer sorts keys) and leave out what Kubernetes would omit (empty, zero, false).
 */
import type { EnvVar } from '../config/types.js';

export type { EnvVar };

export interface HTTPGetAction {
  host?: string;
  path: string;
  port: string;
  scheme: 'HTTP' | 'HTTPS';
}

export interface Probe {
  failureThreshold: number;
  httpGet: HTTPGetAction;
  initialDelaySeconds?: number;
  periodSeconds: number;
  timeoutSeconds: number;
}

export interface ContainerPort {
  containerPort: number;
  name: string;
  protocol: 'TCP';
}

export interface VolumeMount {
  mountPath: string;
  name: string;
  readOnly?: true;
}

export interface HostPathVolume {
  hostPath: { path: string; type: string };
  name: string;
}

export interface ResourceRequirements {
  requests: { cpu: string; memory?: string };
}

export interface Container {
  command: string[];
  env?: EnvVar[];
  image: string;
  imagePullPolicy: 'IfNotPresent';
  livenessProbe: Probe;
  name: string;
  ports: ContainerPort[];
  readinessProbe?: Probe;
  resources: ResourceRequirements;
  startupProbe: Probe;
  volumeMounts: VolumeMount[];
}

export interface ObjectMeta {
  annotations?: Record<string, string>;
  labels: Record<string, string>;
  name: string;
  namespace: string;
}

export interface PodSpec {
  containers: Container[];
  hostNetwork: true;
  priority: number;
  priorityClassName: string;
  securityContext: { seccompProfile: { type: 'RuntimeDefault' } };
  volumes: HostPathVolume[];
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status: Record<string, never>;
}

/** A hostPath volume with its mount (kubeadm's HostPathMount with every field resolved). */
export interface HostMount {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
  pathType: string;
}

/** kubeadm's static Pods all name their health port so probes can refer to it. */
export const PROBE_PORT = 'probe-port';
const SYSTEM_NODE_CRITICAL_PRIORITY = 2000001000;

/** Drops keys whose value is undefined, keeping the order of the rest. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function httpProbe(
  host: string | undefined,
  path: string,
  scheme: HTTPGetAction['scheme'],
  timing: { initialDelaySeconds: number; timeoutSeconds: number; failureThreshold: number; periodSeconds: number },
): Probe {
  return defined({
    failureThreshold: timing.failureThreshold,
    httpGet: defined({ host: host || undefined, path, port: PROBE_PORT, scheme }),
    initialDelaySeconds: timing.initialDelaySeconds || undefined,
    periodSeconds: timing.periodSeconds,
    timeoutSeconds: timing.timeoutSeconds,
  });
}

export function livenessProbe(host: string | undefined, path: string, scheme: HTTPGetAction['scheme']): Probe {
  return httpProbe(host, path, scheme, { initialDelaySeconds: 10, timeoutSeconds: 15, failureThreshold: 8, periodSeconds: 10 });
}

export function readinessProbe(host: string | undefined, path: string, scheme: HTTPGetAction['scheme']): Probe {
  return httpProbe(host, path, scheme, { initialDelaySeconds: 0, timeoutSeconds: 15, failureThreshold: 3, periodSeconds: 1 });
}

/** Probes every 10s for as long as the control-plane health-check timeout allows (4m -> 24 failures). */
export function startupProbe(host: string | undefined, path: string, scheme: HTTPGetAction['scheme'], healthCheckTimeoutSeconds: number): Probe {
  const periodSeconds = 10;
  return httpProbe(host, path, scheme, {
    initialDelaySeconds: periodSeconds,
    timeoutSeconds: 15,
    failureThreshold: Math.ceil(healthCheckTimeoutSeconds / periodSeconds),
    periodSeconds,
  });
}

export function probePort(containerPort: number): ContainerPort {
  return { containerPort, name: PROBE_PORT, protocol: 'TCP' };
}

export function container(c: Container): Container {
  return defined({
    command: c.command,
    env: c.env?.length ? c.env.map((e) => defined({ name: e.name, value: e.value })) : undefined,
    image: c.image,
    imagePullPolicy: c.imagePullPolicy,
    livenessProbe: c.livenessProbe,
    name: c.name,
    ports: c.ports,
    readinessProbe: c.readinessProbe,
    resources: defined({ requests: defined({ cpu: c.resources.requests.cpu, memory: c.resources.requests.memory }) }),
    startupProbe: c.startupProbe,
    volumeMounts: c.volumeMounts,
  });
}

export function hostPathVolume(name: string, path: string, type: string): HostPathVolume {
  return { hostPath: { path, type }, name };
}

export function volumeMount(name: string, mountPath: string, readOnly: boolean): VolumeMount {
  return readOnly ? { mountPath, name, readOnly: true } : { mountPath, name };
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Volumes for a set of host-path mounts, sorted by name as kubeadm does. */
export function volumesOf(mounts: HostMount[]): HostPathVolume[] {
  return mounts.map((m) => hostPathVolume(m.name, m.hostPath, m.pathType)).sort(byName);
}

/** Volume mounts for a set of host-path mounts, sorted by name as kubeadm does for control-plane components. */
export function volumeMountsOf(mounts: HostMount[]): VolumeMount[] {
  return mounts.map((m) => volumeMount(m.name, m.mountPath, m.readOnly)).sort(byName);
}

/** A kubeadm control-plane static Pod: one container, host network, system-node-critical, RuntimeDefault seccomp. */
export function staticPod(c: Container, volumes: HostPathVolume[], annotations?: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: defined({
      annotations,
      labels: { component: c.name, tier: 'control-plane' },
      name: c.name,
      namespace: 'kube-system',
    }),
    spec: {
      containers: [container(c)],
      hostNetwork: true,
      priority: SYSTEM_NODE_CRITICAL_PRIORITY,
      priorityClassName: 'system-node-critical',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      volumes,
    },
    status: {},
  };
}
