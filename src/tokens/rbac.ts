import { clusterRole, clusterRoleBinding, group, role, roleBinding, rule, user, type Role, type RoleBinding } from '../kube/objects.js';
import { DEFAULT_TOKEN_GROUP } from './token.js';

/** The RBAC kubeadm sets up for bootstrap tokens and node TLS bootstrap, in kubeadm's order (with its log line). */
export interface RbacStep {
  log: string;
  objects: Array<Role | RoleBinding>;
}

export const NODES_GROUP = 'system:nodes';
const APISERVER_KUBELET_CLIENT = 'kube-apiserver-kubelet-client';

export function bootstrapTokenRbac(): RbacStep[] {
  return [
    {
      log: 'Configured RBAC rules to allow Node Bootstrap tokens to get nodes',
      objects: [
        clusterRole('kubeadm:get-nodes', [rule([''], ['nodes'], ['get'])]),
        clusterRoleBinding('kubeadm:get-nodes', 'kubeadm:get-nodes', [group(DEFAULT_TOKEN_GROUP)]),
      ],
    },
    {
      log: 'Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials',
      objects: [clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group(DEFAULT_TOKEN_GROUP)])],
    },
    {
      log: 'Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token',
      objects: [
        clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
          group(DEFAULT_TOKEN_GROUP),
        ]),
      ],
    },
    {
      log: 'Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster',
      objects: [
        clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
          group(NODES_GROUP),
        ]),
      ],
    },
    {
      log: 'Configured RBAC rules to allow the API server kubelet client certificate to access the kubelet API',
      objects: [clusterRoleBinding('kubeadm:apiserver-kubelet-client', 'system:kubelet-api-admin', [user(APISERVER_KUBELET_CLIENT)])],
    },
  ];
}

/** Read access for one named object of a kind, as a Role and a RoleBinding of the same name. */
export function readAccess(namespace: string, name: string, resource: string, objectName: string, subjects: ReturnType<typeof group>[]): [Role, RoleBinding] {
  return [role(namespace, name, [rule([''], [resource], ['get'], [objectName])]), roleBinding(namespace, name, name, subjects)];
}
