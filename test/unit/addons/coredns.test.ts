import { describe, expect, it } from 'vitest';
import { defaultClusterConfiguration } from '../../../src/config/defaults.js';
import { corefile as defaultCorefile, coreDNSDeployment, coreDNSImage, coreDNSService, dnsServiceIP } from '../../../src/addons/coredns.js';

describe('CoreDNS objects', () => {
  const cluster = defaultClusterConfiguration();

  it('puts the DNS Service at the 10th address of the first service subnet', () => {
    expect(dnsServiceIP('10.96.0.0/12')).toBe('10.96.0.10');
    expect(dnsServiceIP('fd00:10:96::/112,10.96.0.0/12')).toBe('fd00:10:96::a');
    expect(coreDNSService(cluster).spec.clusterIP).toBe('10.96.0.10');
  });

  it('picks the image kubeadm picks', () => {
    expect(coreDNSImage({ ...cluster, kubernetesVersion: 'v1.37.1' })).toBe('registry.k8s.io/coredns/coredns:v1.14.6');
    expect(coreDNSImage({ ...cluster, kubernetesVersion: 'v1.36.3' })).toBe('registry.k8s.io/coredns/coredns:v1.14.2');
    expect(coreDNSImage({ ...cluster, imageRepository: 'my.reg' })).toMatch(/^my\.reg\/coredns:v/);
    expect(coreDNSImage({ ...cluster, dns: { imageRepository: 'x.io/y', imageTag: 'v9' } })).toBe('x.io/y/coredns:v9');
  });

  it('writes the default Corefile for the cluster domain', () => {
    const corefile = defaultCorefile('example.org');
    expect(corefile).toContain('    kubernetes example.org in-addr.arpa ip6.arpa {\n');
    expect(corefile).toContain('    cache 30 {\n       disable success example.org\n       disable denial example.org\n    }\n    loop\n');
    expect(corefile.startsWith('.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n')).toBe(true);
    expect(corefile.endsWith('    reload\n    loadbalance\n}\n')).toBe(true);
  });

  it('keeps a given replica count and tolerates the control-plane taint', () => {
    const deployment = coreDNSDeployment(cluster, 5);
    expect(deployment.spec.replicas).toBe(5);
    expect(deployment.spec.template.spec.tolerations).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    expect(deployment.spec.selector.matchLabels).toEqual({ 'k8s-app': 'kube-dns' });
  });
});
