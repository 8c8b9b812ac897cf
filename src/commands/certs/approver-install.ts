import type { KubeObject } from '../../cluster/cluster.js';
import type { Deployment } from '../../addons/workloads.js';
import * as kube from '../../kube/objects.js';
import { KUBELET_SERVING_SIGNER } from '../../pki/kubelet-serving-rules.js';
import { APPROVER_COMPONENT } from './kubelet-serving-approver.js';

/** The approver in the cluster: every object is named after it, in kube-system. */
const APPROVER = { name: APPROVER_COMPONENT, namespace: 'kube-system', label: { 'k8s-app': APPROVER_COMPONENT } } as const;
const KUBECONFIG_DIR = '/etc/bosun-approver';

/**
 * What the approver needs and no more: read and watch CSRs, approve those of the kubelet-serving signer alone (the
 * `approval` subresource and the signer's `approve` verb), read Nodes, and create Events in `default`, where Events
 * of cluster-scoped CSRs live (a Role there, not a ClusterRole).
 */
function approverRbac(): KubeObject[] {
  const subject = kube.serviceAccountSubject(APPROVER.namespace, APPROVER.name);
  return [
    kube.serviceAccount(APPROVER.namespace, APPROVER.name),
    kube.clusterRole(APPROVER.name, [
      kube.rule(['certificates.k8s.io'], ['certificatesigningrequests'], ['get', 'list', 'watch']),
      kube.rule(['certificates.k8s.io'], ['certificatesigningrequests/approval'], ['update']),
      kube.rule(['certificates.k8s.io'], ['signers'], ['approve'], [KUBELET_SERVING_SIGNER]),
      kube.rule([''], ['nodes'], ['get']),
    ]),
    kube.clusterRoleBinding(APPROVER.name, APPROVER.name, [subject]),
    kube.role('default', APPROVER.name, [kube.rule([''], ['events'], ['create'])]),
    kube.roleBinding('default', APPROVER.name, APPROVER.name, [subject]),
  ];
}

/**
 * The approver as a Deployment of one replica running `bosun certs approve-kubelet-serving --watch` from `image` (an
 * image holding bosun), with its RBAC and an in-cluster kubeconfig for `server` (the control-plane endpoint, as
 * kube-proxy's: it works before cluster DNS does).
 */
export function approverObjects(opts: { image: string; server: string; allowedCidrs?: string[] }): KubeObject[] {
  const kubeconfig = kube.configMap(
    APPROVER.namespace,
    APPROVER.name,
    { 'kubeconfig.conf': kube.serviceAccountKubeconfig(opts.server) },
    { labels: { ...APPROVER.label } },
  );
  const cidrs = opts.allowedCidrs?.length ? ['--allowed-cidrs', opts.allowedCidrs.join(',')] : [];
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APPROVER.name, namespace: APPROVER.namespace, labels: { ...APPROVER.label } },
    spec: {
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      selector: { matchLabels: { ...APPROVER.label } },
      template: {
        metadata: { labels: { ...APPROVER.label } },
        spec: {
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: APPROVER.name,
          // Kubelets need serving certificates before workers are schedulable: the approver may run on a control plane.
          tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [
            {
              name: 'approver',
              image: opts.image,
              imagePullPolicy: 'IfNotPresent',
              args: ['certs', 'approve-kubelet-serving', '--watch', '--kubeconfig', `${KUBECONFIG_DIR}/kubeconfig.conf`, ...cidrs],
              resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              volumeMounts: [{ name: 'kubeconfig', mountPath: KUBECONFIG_DIR, readOnly: true }],
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65534,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
          volumes: [{ name: 'kubeconfig', configMap: { name: kubeconfig.metadata.name } }],
        },
      },
    },
  };
  return [...approverRbac(), kubeconfig, deployment];
}
