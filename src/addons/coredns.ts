import type { ClusterConfiguration } from '../config/types.js';
import { formatIP, nthIP, parseCIDRList } from '../config/net.js';
import {
  clusterRole,
  clusterRoleBinding,
  rule,
  serviceAccount,
  serviceAccountSubject,
  type Role,
  type RoleBinding,
  type ServiceAccount,
} from '../kube/objects.js';
import { CONTROL_PLANE_TAINT, HOSTNAME_LABEL, OS_LABEL } from '../kube/labels.js';
import type { Deployment, Service } from './workloads.js';
import { forMinor } from '../versions/by-minor.js';

/** CoreDNS as kubeadm installs it (`kube-system`: ConfigMap, RBAC, ServiceAccount, Deployment, Service `kube-dns`). */
export const COREDNS = { name: 'coredns', namespace: 'kube-system', service: 'kube-dns', label: { 'k8s-app': 'kube-dns' } } as const;
export const DEFAULT_COREDNS_REPLICAS = 2;
const DEFAULT_REPOSITORY = 'registry.k8s.io';

/** The CoreDNS release each kubeadm minor installs (`constants.CoreDNSVersion`); other minors take the nearest. */
export const COREDNS_VERSIONS: Readonly<Record<number, string>> = { 36: 'v1.14.2', 37: 'v1.14.6' };

export function coreDNSVersion(kubernetesVersion: string): string {
  return forMinor(COREDNS_VERSIONS, kubernetesVersion);
}

/** `dns.imageRepository`/`imageTag` win; the default registry keeps CoreDNS under `coredns/coredns`. */
export function coreDNSImage(cluster: ClusterConfiguration): string {
  let repository = cluster.dns.imageRepository || cluster.imageRepository;
  if (repository === DEFAULT_REPOSITORY) repository = `${repository}/coredns`;
  return `${repository}/coredns:${cluster.dns.imageTag || coreDNSVersion(cluster.kubernetesVersion)}`;
}

/** The cluster DNS Service address: the 10th of the first service subnet (the `kubernetes` Service has the 1st). */
export function dnsServiceIP(serviceSubnet: string): string {
  const cidr = parseCIDRList(serviceSubnet)?.[0];
  if (!cidr) throw new Error(`networking.serviceSubnet "${serviceSubnet}" is not a list of CIDRs`);
  return formatIP(nthIP(cidr, 10));
}

/**
 * What may be added to the default Corefile, in the places kubeadm's template left for a kube-dns translation:
 * the `forward .` targets, plugin blocks right after `kubernetes`, and server blocks after the main one.
 */
export interface CorefileSlots {
  /** Space-separated `forward .` targets (addresses, or a resolv.conf path). */
  upstream?: string;
  /** Plugin lines for the main server block, indented as its other plugins are. */
  afterKubernetes?: readonly string[];
  /** Whole server blocks; kubeadm put a blank line between them but none after the main block. */
  serverBlocks?: readonly string[];
}

export function corefile(dnsDomain: string, slots: CorefileSlots = {}): string {
  const cache = dnsDomain ? `cache 30 {\n       disable success ${dnsDomain}\n       disable denial ${dnsDomain}\n    }` : 'cache 30';
  const main = [
    '.:53 {',
    '    errors',
    '    health {',
    '       lameduck 5s',
    '    }',
    '    ready',
    `    kubernetes ${dnsDomain} in-addr.arpa ip6.arpa {`,
    '       pods insecure',
    '       fallthrough in-addr.arpa ip6.arpa',
    '       ttl 30',
    '    }',
    ...(slots.afterKubernetes ?? []),
    '    prometheus :9153',
    `    forward . ${slots.upstream ?? '/etc/resolv.conf'} {`,
    '       max_concurrent 1000',
    '    }',
    `    ${cache}`,
    '    loop',
    '    reload',
    '    loadbalance',
    '}',
  ].join('\n');
  return [main, (slots.serverBlocks ?? []).join('\n\n')].filter(Boolean).join('\n') + '\n';
}

export function coreDNSClusterRole(): Role {
  return clusterRole('system:coredns', [
    rule([''], ['endpoints', 'services', 'pods', 'namespaces'], ['list', 'watch']),
    rule(['discovery.k8s.io'], ['endpointslices'], ['list', 'watch']),
  ]);
}

export function coreDNSClusterRoleBinding(): RoleBinding {
  return clusterRoleBinding('system:coredns', 'system:coredns', [serviceAccountSubject(COREDNS.namespace, COREDNS.name)]);
}

export function coreDNSServiceAccount(): ServiceAccount {
  return serviceAccount(COREDNS.namespace, COREDNS.name);
}

export function coreDNSDeployment(cluster: ClusterConfiguration, replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: COREDNS.name, namespace: COREDNS.namespace, labels: { ...COREDNS.label } },
    spec: {
      replicas,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      selector: { matchLabels: { ...COREDNS.label } },
      template: {
        metadata: { labels: { ...COREDNS.label } },
        spec: {
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: COREDNS.name,
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: { matchExpressions: [{ key: 'k8s-app', operator: 'In', values: ['kube-dns'] }] },
                    topologyKey: HOSTNAME_LABEL,
                  },
                },
              ],
            },
          },
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: CONTROL_PLANE_TAINT.key, effect: CONTROL_PLANE_TAINT.effect },
          ],
          nodeSelector: { [OS_LABEL]: 'linux' },
          containers: [
            {
              name: 'coredns',
              image: coreDNSImage(cluster),
              imagePullPolicy: 'IfNotPresent',
              resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
              args: ['-conf', '/etc/coredns/Corefile'],
              volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
              ports: [
                { containerPort: 53, name: 'dns', protocol: 'UDP' },
                { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
                { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
                { containerPort: 8080, name: 'liveness-probe', protocol: 'TCP' },
                { containerPort: 8181, name: 'readiness-probe', protocol: 'TCP' },
              ],
              livenessProbe: {
                httpGet: { path: '/health', port: 'liveness-probe', scheme: 'HTTP' },
                initialDelaySeconds: 60,
                timeoutSeconds: 5,
                successThreshold: 1,
                failureThreshold: 5,
              },
              readinessProbe: { httpGet: { path: '/ready', port: 'readiness-probe', scheme: 'HTTP' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
                readOnlyRootFilesystem: true,
              },
            },
          ],
          dnsPolicy: 'Default',
          volumes: [{ name: 'config-volume', configMap: { name: COREDNS.name, items: [{ key: 'Corefile', path: 'Corefile' }] } }],
        },
      },
    },
  };
}

export function coreDNSService(cluster: ClusterConfiguration): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: COREDNS.service,
      namespace: COREDNS.namespace,
      labels: { ...COREDNS.label, 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      clusterIP: dnsServiceIP(cluster.networking.serviceSubnet),
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
      selector: { ...COREDNS.label },
    },
  };
}
