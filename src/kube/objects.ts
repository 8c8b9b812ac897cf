/**
 * The core and RBAC objects bosun writes (ConfigMaps, Secrets, ServiceAccounts, Roles, bindings), as typed values
 * built by small pure constructors. Kept beside the KubeObject type; imports nothing with side effects.
 */
import type { KubeObject } from '../cluster/cluster.js';
import { emitYaml } from '../util/yaml.js';

export type Metadata = KubeObject['metadata'];

export type OwnerReference = {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
};

export interface ConfigMap extends KubeObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: Metadata;
  data: Record<string, string>;
}

export interface Secret extends KubeObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: Metadata;
  type: string;
  /** Base64 values, as the API stores them. */
  data: Record<string, string>;
}

/** coordination.k8s.io/v1 Lease: the leader election of control-plane components, and the roll's lock. */
export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface ServiceAccount extends KubeObject {
  apiVersion: 'v1';
  kind: 'ServiceAccount';
  metadata: Metadata;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
  apiGroup?: 'rbac.authorization.k8s.io';
}

const RBAC = 'rbac.authorization.k8s.io/v1';

export interface Role extends KubeObject {
  apiVersion: typeof RBAC;
  kind: 'Role' | 'ClusterRole';
  metadata: Metadata;
  rules: PolicyRule[];
}

export interface RoleBinding extends KubeObject {
  apiVersion: typeof RBAC;
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  metadata: Metadata;
  roleRef: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'Role' | 'ClusterRole'; name: string };
  subjects: Subject[];
}

export function configMap(namespace: string, name: string, data: Record<string, string>, extra: Partial<Metadata> = {}): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...extra }, data };
}

/** A Secret from string values (stored base64, as the API wants them). */
export function secret(namespace: string, name: string, type: string, values: Record<string, string | Uint8Array>, extra: Partial<Metadata> = {}): Secret {
  const data = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, ...extra }, type, data };
}

/** The values of a Secret read from the API, decoded. */
export function secretValues(obj: { data?: Record<string, string> }): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(obj.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

/** Where a Pod finds its ServiceAccount's token and the cluster CA. */
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The in-cluster kubeconfig a Pod reads (kube-proxy, the kubelet-serving approver): its ServiceAccount token, this API server. */
export function serviceAccountKubeconfig(server: string): string {
  return emitYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ cluster: { 'certificate-authority': `${SA_DIR}/ca.crt`, server }, name: 'default' }],
    contexts: [{ context: { cluster: 'default', namespace: 'default', user: 'default' }, name: 'default' }],
    'current-context': 'default',
    users: [{ name: 'default', user: { tokenFile: `${SA_DIR}/token` } }],
  });
}

export function serviceAccount(namespace: string, name: string): ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
}

export function rule(apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule {
  return resourceNames ? { apiGroups, resources, resourceNames, verbs } : { apiGroups, resources, verbs };
}

export function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: RBAC, kind: 'Role', metadata: { name, namespace }, rules };
}

export function clusterRole(name: string, rules: PolicyRule[]): Role {
  return { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name }, rules };
}

export const group = (name: string): Subject => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' });
export const user = (name: string): Subject => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' });
export const serviceAccountSubject = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

/** A RoleBinding in `namespace` to a Role of the same name space (or to a ClusterRole when `roleKind` says so). */
export function roleBinding(namespace: string, name: string, roleName: string, subjects: Subject[], roleKind: 'Role' | 'ClusterRole' = 'Role'): RoleBinding {
  return {
    apiVersion: RBAC,
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName },
    subjects,
  };
}

export function clusterRoleBinding(name: string, clusterRoleName: string, subjects: Subject[]): RoleBinding {
  return {
    apiVersion: RBAC,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
    subjects,
  };
}
