/** The apps/v1 and core/v1 shapes the essential addons use, as typed values (field names as the API has them). */
import type { KubeObject } from '../cluster/cluster.js';
import type { EnvVar } from '../config/types.js';
import type { Metadata } from '../kube/objects.js';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface ContainerPort {
  containerPort: number;
  name?: string;
  protocol: 'TCP' | 'UDP';
}

export interface HTTPProbe {
  httpGet: { path: string; port: string | number; scheme: 'HTTP' | 'HTTPS' };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy: 'IfNotPresent';
  command?: string[];
  workingDir?: string;
  args?: string[];
  env?: EnvVar[];
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  ports?: ContainerPort[];
  livenessProbe?: HTTPProbe;
  readinessProbe?: HTTPProbe;
  securityContext?: Record<string, unknown>;
}

export type Volume =
  { name: string; configMap: { name: string; items?: Array<{ key: string; path: string }> } } | { name: string; hostPath: { path: string; type?: string } };

export interface PodSpec {
  priorityClassName?: string;
  serviceAccountName?: string;
  affinity?: Record<string, unknown>;
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  containers: Container[];
  dnsPolicy?: 'Default' | 'ClusterFirst';
  hostNetwork?: boolean;
  /** Pod-level: Windows HostProcess pods set `windowsOptions` here. */
  securityContext?: Record<string, unknown>;
  volumes?: Volume[];
}

export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}

export interface Deployment extends KubeObject {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: Metadata;
  spec: {
    replicas: number;
    strategy: { type: 'RollingUpdate'; rollingUpdate: { maxUnavailable: number } };
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate;
  };
}

export interface DaemonSet extends KubeObject {
  apiVersion: 'apps/v1';
  kind: 'DaemonSet';
  metadata: Metadata;
  spec: {
    selector: { matchLabels: Record<string, string> };
    updateStrategy: { type: 'RollingUpdate' };
    template: PodTemplate;
  };
}

export interface ServicePort {
  name: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  targetPort: number;
}

export interface Service extends KubeObject {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: Metadata;
  spec: { clusterIP: string; ports: ServicePort[]; selector: Record<string, string> };
}
