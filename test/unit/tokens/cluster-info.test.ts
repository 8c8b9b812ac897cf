import { describe, expect, it } from 'vitest';
import { clusterInfoConfigMap, clusterInfoRbac } from '../../../src/tokens/cluster-info.js';
import { bootstrapTokenRbac } from '../../../src/tokens/rbac.js';
import { parseYaml } from '../../../src/util/yaml.js';

describe('cluster-info', () => {
  it('holds a kubeconfig with one cluster named ""', () => {
    const cm = clusterInfoConfigMap('https://10.0.0.1:6443', 'PEM');
    expect(cm.metadata).toEqual({ name: 'cluster-info', namespace: 'kube-public' });
    const text = cm.data.kubeconfig;
    expect(parseYaml(text)).toEqual({
      apiVersion: 'v1',
      clusters: [{ cluster: { 'certificate-authority-data': Buffer.from('PEM').toString('base64'), server: 'https://10.0.0.1:6443' }, name: '' }],
      contexts: null,
      'current-context': '',
      kind: 'Config',
      users: null,
    });
  });

  it('is readable by anonymous, and only that ConfigMap', () => {
    const [role, binding] = clusterInfoRbac();
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get'] }]);
    expect(binding.subjects).toEqual([{ kind: 'User', name: 'system:anonymous', apiGroup: 'rbac.authorization.k8s.io' }]);
    expect(binding.metadata).toEqual({ name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' });
  });

  it('binds the node bootstrap roles kubeadm binds', () => {
    const names = bootstrapTokenRbac().flatMap((s) => s.objects.map((o) => `${o.kind}/${o.metadata.name}`));
    expect(names).toEqual([
      'ClusterRole/kubeadm:get-nodes',
      'ClusterRoleBinding/kubeadm:get-nodes',
      'ClusterRoleBinding/kubeadm:kubelet-bootstrap',
      'ClusterRoleBinding/kubeadm:node-autoapprove-bootstrap',
      'ClusterRoleBinding/kubeadm:node-autoapprove-certificate-rotation',
      'ClusterRoleBinding/kubeadm:apiserver-kubelet-client',
    ]);
  });
});
