import type { EnvVar, KubeProxyConfiguration } from '../config/types.js';
import {
  clusterRoleBinding,
  configMap,
  group,
  role,
  roleBinding,
  rule,
  serviceAccount,
  serviceAccountKubeconfig,
  serviceAccountSubject,
  type ConfigMap,
  type Role,
  type RoleBinding,
  type ServiceAccount,
} from '../kube/objects.js';
import { DEFAULT_TOKEN_GROUP } from '../tokens/token.js';
import { OS_LABEL } from '../kube/labels.js';
import { emitYaml } from '../util/yaml.js';
import type { DaemonSet } from './workloads.js';

/** kube-proxy as kubeadm installs it: ConfigMap, DaemonSet, ServiceAccount and RBAC, all named `kube-proxy`. */
export const KUBE_PROXY = { name: 'kube-proxy', namespace: 'kube-system', label: { 'k8s-app': 'kube-proxy' } } as const;
export function kubeProxyConfigMap(config: KubeProxyConfiguration, server: string): ConfigMap {
  return configMap(
    KUBE_PROXY.namespace,
    KUBE_PROXY.name,
    { 'kubeconfig.conf': serviceAccountKubeconfig(server), 'config.conf': emitYaml(config) },
    { labels: { app: KUBE_PROXY.name } },
  );
}

export function kubeProxyDaemonSet(image: string, extraEnv: EnvVar[] = []): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: KUBE_PROXY.name, namespace: KUBE_PROXY.namespace, labels: { ...KUBE_PROXY.label } },
    spec: {
      selector: { matchLabels: { ...KUBE_PROXY.label } },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: { ...KUBE_PROXY.label } },
        spec: {
          priorityClassName: 'system-node-critical',
          containers: [
            {
              name: KUBE_PROXY.name,
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
              securityContext: { privileged: true },
              volumeMounts: [
                { mountPath: '/var/lib/kube-proxy', name: 'kube-proxy' },
                { mountPath: '/run/xtables.lock', name: 'xtables-lock', readOnly: false },
                { mountPath: '/lib/modules', name: 'lib-modules', readOnly: true },
              ],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }, ...extraEnv],
            },
          ],
          hostNetwork: true,
          serviceAccountName: KUBE_PROXY.name,
          volumes: [
            { name: 'kube-proxy', configMap: { name: KUBE_PROXY.name } },
            { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
            { name: 'lib-modules', hostPath: { path: '/lib/modules' } },
          ],
          tolerations: [{ operator: 'Exists' }],
          nodeSelector: { [OS_LABEL]: 'linux' },
        },
      },
    },
  };
}

export function kubeProxyServiceAccount(): ServiceAccount {
  return serviceAccount(KUBE_PROXY.namespace, KUBE_PROXY.name);
}

export function kubeProxyClusterRoleBinding(): RoleBinding {
  return clusterRoleBinding('kubeadm:node-proxier', 'system:node-proxier', [serviceAccountSubject(KUBE_PROXY.namespace, KUBE_PROXY.name)]);
}

/** Joining nodes (bootstrap tokens) read the kube-proxy ConfigMap. */
export function kubeProxyConfigRbac(): [Role, RoleBinding] {
  return [
    role(KUBE_PROXY.namespace, KUBE_PROXY.name, [rule([''], ['configmaps'], ['get'], [KUBE_PROXY.name])]),
    roleBinding(KUBE_PROXY.namespace, KUBE_PROXY.name, KUBE_PROXY.name, [group(DEFAULT_TOKEN_GROUP)]),
  ];
}
