import { describe, expect, it } from 'vitest';
import { defaultClusterConfiguration } from '../../../src/config/defaults.js';
import { KUBELET_V1BETA1, type KubeletConfiguration } from '../../../src/config/types.js';
import { clusterDNSIP, clusterKubeletConfiguration, nodeKubeletConfiguration, renderInstanceConfiguration } from '../../../src/kubelet/config.js';
import { renderKubeletFlagsEnv } from '../../../src/kubelet/flags.js';
import { parseYaml } from '../../../src/util/yaml.js';

const bare: KubeletConfiguration = { apiVersion: KUBELET_V1BETA1, kind: 'KubeletConfiguration' };

describe('kubeadm-flags.env', () => {
  it('overrides the hostname only when the node name differs', () => {
    expect(renderKubeletFlagsEnv({ name: 'cp-1' }, 'vm')).toBe('KUBELET_KUBEADM_ARGS="--hostname-override=cp-1"\n');
    expect(renderKubeletFlagsEnv({ name: 'vm' }, 'VM')).toBe('KUBELET_KUBEADM_ARGS=""\n');
  });

  it('lets kubeletExtraArgs replace base flags and follow in their order', () => {
    const nodeReg = {
      name: 'cp-1',
      kubeletExtraArgs: [
        { name: 'v', value: '4' },
        { name: 'hostname-override', value: 'node-a' },
        { name: 'node-labels', value: 'a="b"' },
      ],
    };
    expect(renderKubeletFlagsEnv(nodeReg, 'vm')).toBe('KUBELET_KUBEADM_ARGS="--v=4 --hostname-override=node-a --node-labels=a=\\"b\\""\n');
  });

  it('registers taints through flags when asked (a joining worker)', () => {
    const nodeReg = {
      name: 'w',
      taints: [
        { key: 'k', value: 'v', effect: 'NoSchedule' as const },
        { key: 'x', effect: 'NoExecute' as const },
      ],
    };
    expect(renderKubeletFlagsEnv(nodeReg, 'w', true)).toBe('KUBELET_KUBEADM_ARGS="--register-with-taints=k=v:NoSchedule,x:NoExecute"\n');
  });
});

describe('KubeletConfiguration', () => {
  it('takes the 10th service address for cluster DNS', () => {
    expect(clusterDNSIP('10.96.0.0/12')).toBe('10.96.0.10');
    expect(clusterDNSIP('fd00:10:96::/112,10.96.0.0/12')).toBe('fd00:10:96::a');
    expect(() => clusterDNSIP('nonsense')).toThrow(/serviceSubnet/);
  });

  it("fills kubeadm's settings from the cluster, keeps the user's", () => {
    const cluster = { ...defaultClusterConfiguration(), certificatesDir: '/srv/pki' };
    cluster.networking = { ...cluster.networking, serviceSubnet: '10.200.0.0/16', dnsDomain: 'corp.example' };
    const cfg = clusterKubeletConfiguration({ ...bare, cgroupDriver: 'cgroupfs', clusterDNS: ['1.1.1.1'], rotateCertificates: false }, cluster);
    expect(cfg).toMatchObject({
      authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: '/srv/pki/ca.crt' } },
      authorization: { mode: 'Webhook' },
      cgroupDriver: 'cgroupfs',
      clusterDNS: ['1.1.1.1'],
      clusterDomain: 'corp.example',
      healthzBindAddress: '127.0.0.1',
      healthzPort: 10248,
      rotateCertificates: true,
      staticPodPath: '/etc/kubernetes/manifests',
    });
    expect(clusterKubeletConfiguration(bare, cluster).clusterDNS).toEqual(['10.200.0.10']);
    expect(clusterKubeletConfiguration(bare, cluster).cgroupDriver).toBe('systemd');
  });

  it("adds the node's CRI socket, and systemd-resolved's resolv.conf when it runs", () => {
    const clusterWide = clusterKubeletConfiguration(bare, defaultClusterConfiguration());
    const node = nodeKubeletConfiguration(clusterWide, { criSocket: 'unix:///run/crio/crio.sock', systemdResolved: true });
    expect(Object.keys(node).slice(0, 2)).toEqual(['apiVersion', 'kind']);
    expect(node).toMatchObject({ containerRuntimeEndpoint: 'unix:///run/crio/crio.sock', resolvConf: '/run/systemd/resolve/resolv.conf' });
    expect(nodeKubeletConfiguration(clusterWide, { criSocket: 'x', systemdResolved: false })).not.toHaveProperty('resolvConf');
    expect(clusterWide).not.toHaveProperty('containerRuntimeEndpoint');
    expect(parseYaml(renderInstanceConfiguration('unix:///run/crio/crio.sock'))).toEqual({ containerRuntimeEndpoint: 'unix:///run/crio/crio.sock' });
  });
});
