import { describe, expect, it } from 'vitest';
import { componentConfigHash, hasValidSignature, signConfigMap } from '../../../src/addons/component-config.js';
import { kubeProxyConfigMap, kubeProxyDaemonSet } from '../../../src/addons/kube-proxy.js';
import { defaultKubeProxyConfiguration } from '../../../src/config/defaults.js';
import { parseYaml } from '../../../src/util/yaml.js';

describe('kube-proxy objects', () => {
  it('carries the config and an in-cluster kubeconfig to the endpoint', () => {
    const cm = kubeProxyConfigMap(defaultKubeProxyConfiguration(), 'https://cp.example:6443');
    expect(cm.metadata.labels).toEqual({ app: 'kube-proxy' });
    expect(parseYaml(cm.data['config.conf'])).toMatchObject({ kind: 'KubeProxyConfiguration', bindAddress: '0.0.0.0' });
    const kubeconfig = parseYaml(cm.data['kubeconfig.conf']) as {
      clusters: Array<{ cluster: Record<string, string> }>;
      users: Array<{ user: Record<string, string> }>;
    };
    expect(kubeconfig.clusters[0].cluster).toEqual({
      'certificate-authority': '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      server: 'https://cp.example:6443',
    });
    expect(kubeconfig.users[0].user).toEqual({ tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
  });

  it('runs the image with its config and the proxy environment', () => {
    const ds = kubeProxyDaemonSet('registry.k8s.io/kube-proxy:v1.37.1', [{ name: 'HTTPS_PROXY', value: 'http://p:3128' }]);
    const container = ds.spec.template.spec.containers[0];
    expect(container.command).toEqual(['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)']);
    expect(container.env?.map((e) => e.name)).toEqual(['NODE_NAME', 'HTTPS_PROXY']);
    expect(ds.spec.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
  });
});

describe('component-config hash', () => {
  it('hashes the values in key order, as kubeadm does', () => {
    // sha256("a" + "b"): values of keys x, y in sorted order.
    expect(componentConfigHash({ y: 'b', x: 'a' })).toBe('sha256:fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603');
    const signed = signConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { k: 'v' } });
    expect(hasValidSignature(signed)).toBe(true);
    expect(hasValidSignature({ ...signed, data: { k: 'changed' } })).toBe(false);
  });
});
