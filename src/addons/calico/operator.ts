/**
 * The Tigera operator's own objects, as Calico's `manifests/tigera-operator.yaml` (chart `charts/tigera-operator`)
 * defines them for a Calico (not OpenShift, not Enterprise) cluster. That chart is not on the Go module proxy, so
 * bosun builds them here; the CRDs are vendored from the operator's module (manifests/calico/).
 */
import type { KubeObject } from '../../cluster/cluster.js';
import { clusterRole, clusterRoleBinding, roleBinding, rule, serviceAccount, serviceAccountSubject, type Role } from '../../kube/objects.js';
import { OS_LABEL } from '../../kube/labels.js';

export const OPERATOR = { name: 'tigera-operator', namespace: 'tigera-operator' } as const;
const LABELS = { 'k8s-app': OPERATOR.name };
const CRUD = ['create', 'get', 'list', 'update', 'delete', 'watch'];
const READ = ['get', 'list', 'watch'];

function operatorRole(): Role {
  const role = clusterRole(OPERATOR.name, [
    rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], ['get', 'list', 'watch', 'create', 'update']),
    rule([''], ['namespaces', 'pods', 'podtemplates', 'services', 'endpoints', 'events', 'configmaps', 'serviceaccounts'], CRUD),
    rule([''], ['resourcequotas', 'secrets'], READ),
    rule([''], ['resourcequotas'], CRUD, ['calico-critical-pods', 'tigera-critical-pods']),
    rule([''], ['nodes'], ['get', 'patch', 'list', 'watch']),
    rule(['authentication.k8s.io'], ['tokenreviews'], ['create']),
    rule(['rbac.authorization.k8s.io'], ['clusterroles', 'clusterrolebindings', 'rolebindings', 'roles'], [...CRUD, 'bind', 'escalate']),
    rule(['apps'], ['deployments', 'daemonsets', 'statefulsets'], [...CRUD, 'patch']),
    rule(['apps'], ['deployments/finalizers'], ['update'], [OPERATOR.name]),
    rule(
      ['operator.tigera.io'],
      ['apiservers', 'gatewayapis', 'goldmanes', 'imagesets', 'installations', 'managementclusterconnections', 'tigerastatuses', 'whiskers'].flatMap((r) => [
        r,
        `${r}/finalizers`,
        `${r}/status`,
      ]),
      ['get', 'list', 'update', 'patch', 'watch'],
    ),
    rule(['operator.tigera.io'], ['tigerastatuses'], ['create', 'delete']),
    rule(['operator.tigera.io'], ['installations', 'apiservers', 'whiskers', 'goldmanes'], ['delete']),
    rule(['networking.k8s.io'], ['networkpolicies'], CRUD),
    rule(['crd.projectcalico.org', 'projectcalico.org'], ['felixconfigurations', 'bgpconfigurations', 'ippools'], ['create', 'patch', ...READ]),
    rule(['crd.projectcalico.org', 'projectcalico.org'], ['kubecontrollersconfigurations', 'clusterinformations', 'ipamconfigurations'], READ),
    rule(['projectcalico.org'], ['ippools', 'networkpolicies', 'globalnetworkpolicies', 'networksets', 'tiers'], [...CRUD, 'patch']),
    rule(['projectcalico.org'], ['tier.networkpolicies', 'tier.globalnetworkpolicies'], CRUD),
    rule(['scheduling.k8s.io'], ['priorityclasses'], CRUD),
    rule(['policy'], ['poddisruptionbudgets'], CRUD),
    rule(['apiregistration.k8s.io'], ['apiservices'], CRUD),
    rule(['discovery.k8s.io'], ['endpointslices'], READ),
    rule(
      ['admissionregistration.k8s.io'],
      ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings'],
      CRUD,
    ),
    rule(['coordination.k8s.io'], ['leases'], CRUD),
    rule(['storage.k8s.io'], ['csidrivers'], CRUD),
    rule(['certificates.k8s.io'], ['certificatesigningrequests'], ['list', 'watch']),
  ]);
  return { ...role, metadata: { ...role.metadata, labels: LABELS } };
}

/** Secrets the operator writes (TLS for Typha, the API server, Whisker), in its own namespace only. */
function secretsAccess(): KubeObject[] {
  const role = clusterRole('tigera-operator-secrets', [rule([''], ['secrets'], ['create', 'update', 'delete', ...READ])]);
  const binding = roleBinding(
    OPERATOR.namespace,
    'tigera-operator-secrets',
    'tigera-operator-secrets',
    [serviceAccountSubject(OPERATOR.namespace, OPERATOR.name)],
    'ClusterRole',
  );
  return [
    { ...role, metadata: { ...role.metadata, labels: LABELS } },
    { ...binding, metadata: { ...binding.metadata, labels: LABELS } },
  ];
}

/** Upstream's Deployment; typed loosely: it has fields (envFrom, dnsPolicy ClusterFirstWithHostNet) the essential addons' types lack. */
function operatorDeployment(operatorVersion: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: OPERATOR.name, namespace: OPERATOR.namespace, labels: LABELS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { name: OPERATOR.name } },
      template: {
        metadata: { labels: { name: OPERATOR.name, ...LABELS } },
        spec: {
          nodeSelector: { [OS_LABEL]: 'linux' },
          tolerations: [
            { effect: 'NoExecute', operator: 'Exists' },
            { effect: 'NoSchedule', operator: 'Exists' },
          ],
          serviceAccountName: OPERATOR.name,
          // Upstream's: as long as the operator waits for what it removes on uninstall.
          terminationGracePeriodSeconds: 60,
          hostNetwork: true,
          // With the host's network, cluster Service names resolve only with this policy.
          dnsPolicy: 'ClusterFirstWithHostNet',
          containers: [
            {
              name: OPERATOR.name,
              image: `quay.io/tigera/operator:${operatorVersion}`,
              imagePullPolicy: 'IfNotPresent',
              command: ['operator'],
              volumeMounts: [{ name: 'var-lib-calico', readOnly: true, mountPath: '/var/lib/calico' }],
              env: [
                { name: 'WATCH_NAMESPACE', value: '' },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'OPERATOR_NAME', value: OPERATOR.name },
                { name: 'TIGERA_OPERATOR_INIT_IMAGE_VERSION', value: operatorVersion },
              ],
              envFrom: [{ configMapRef: { name: 'kubernetes-services-endpoint', optional: true } }],
            },
          ],
          volumes: [{ name: 'var-lib-calico', hostPath: { path: '/var/lib/calico' } }],
        },
      },
    },
  };
}

/** Namespace, identity, access and the Deployment, in upstream's order (the CRDs come from the vendored files). */
export function operatorObjects(operatorVersion: string): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: OPERATOR.namespace, labels: { name: OPERATOR.namespace, 'pod-security.kubernetes.io/enforce': 'privileged' } },
    },
    { ...serviceAccount(OPERATOR.namespace, OPERATOR.name), metadata: { name: OPERATOR.name, namespace: OPERATOR.namespace, labels: LABELS } },
    operatorRole(),
    ...secretsAccess(),
    clusterRoleBinding(OPERATOR.name, OPERATOR.name, [serviceAccountSubject(OPERATOR.namespace, OPERATOR.name)]),
    operatorDeployment(operatorVersion),
  ];
}
