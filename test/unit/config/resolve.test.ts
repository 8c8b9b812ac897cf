import { describe, expect, it } from 'vitest';
import { defaultInitConfig } from '../../../src/config/defaults.js';
import { resolveInitConfig } from '../../../src/config/resolve.js';
import { isValidToken } from '../../../src/tokens/token.js';
import { UserError } from '../../../src/errors.js';
import { LocalHost } from '../../../src/host/local.js';
import { HOST, configErrorOf, dataPath, dataText, doc, resolveText } from './support.js';

describe('defaults', () => {
  it("are kubeadm's", () => {
    const { init, cluster, kubelet, kubeProxy } = defaultInitConfig();
    expect(cluster.networking).toEqual({ serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' });
    expect(init.localAPIEndpoint.bindPort).toBe(6443);
    expect(cluster.certificatesDir).toBe('/etc/kubernetes/pki');
    expect(cluster.etcd).toEqual({ local: { dataDir: '/var/lib/etcd' } });
    expect(cluster.imageRepository).toBe('registry.k8s.io');
    expect(cluster).toMatchObject({ caCertificateValidityPeriod: '87600h0m0s', certificateValidityPeriod: '8760h0m0s', encryptionAlgorithm: 'RSA-2048' });
    expect(init.bootstrapTokens).toEqual([
      { token: '', ttl: '24h0m0s', usages: ['signing', 'authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token'] },
    ]);
    expect(init.timeouts).toMatchObject({ controlPlaneComponentHealthCheck: '4m0s', kubernetesAPICall: '1m0s', etcdAPICall: '2m0s', discovery: '5m0s' });
    expect(kubelet).toMatchObject({ cgroupDriver: 'systemd', clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', rotateCertificates: true });
    expect(kubeProxy).toMatchObject({ bindAddress: '0.0.0.0', mode: 'iptables', clusterCIDR: '' });
  });

  it('fill an empty config with host-derived values: node name, advertise address, a fresh token', () => {
    const cfg = resolveText(undefined);
    expect(cfg.init.nodeRegistration.name).toBe('node-a');
    expect(cfg.init.localAPIEndpoint.advertiseAddress).toBe('10.1.2.3');
    expect(isValidToken(cfg.init.bootstrapTokens![0].token)).toBe(true);
    expect(resolveText(undefined).init.bootstrapTokens![0].token).not.toBe(cfg.init.bootstrapTokens![0].token);
    expect(cfg.init.nodeRegistration.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
  });

  it('ask for an address when the host has none', () => {
    const err = configErrorOf(() => resolveText(undefined, {}, { hostname: () => 'n', defaultIPv4: () => undefined, proxyEnv: () => [] }));
    expect(err.field).toBe('localAPIEndpoint.advertiseAddress');
    expect(err.message).toMatch(/--apiserver-advertise-address/);
  });

  it('replace a wildcard advertise address with the detected one', () => {
    const cfg = resolveText(doc('InitConfiguration', 'localAPIEndpoint: {advertiseAddress: 0.0.0.0}'));
    expect(cfg.init.localAPIEndpoint.advertiseAddress).toBe('10.1.2.3');
  });
});

describe('a v1beta4 file', () => {
  const cfg = resolveText(dataText('v1beta4-full.yaml'));

  it('is read field for field, with kubeadm normalizations', () => {
    expect(cfg.init.bootstrapTokens).toEqual([
      {
        token: 'abcdef.0123456789abcdef',
        description: 'first worker',
        ttl: '2h0m0s',
        usages: ['signing', 'authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
      },
    ]);
    expect(cfg.init.localAPIEndpoint).toEqual({ advertiseAddress: '192.168.10.5', bindPort: 6444 });
    expect(cfg.init.nodeRegistration).toMatchObject({
      name: 'cp-1',
      criSocket: 'unix:///run/containerd/containerd.sock',
      kubeletExtraArgs: [{ name: 'max-pods', value: '150' }],
      taints: [],
    });
    expect(cfg.cluster.kubernetesVersion).toBe('v1.36.3');
    expect(cfg.cluster.controlPlaneEndpoint).toBe('api.example.com:6444');
    expect(cfg.cluster.apiServer.certSANs).toEqual(['api.example.com', '10.0.0.1']);
    expect(cfg.cluster.certificateValidityPeriod).toBe('4380h0m0s');
    expect(cfg.cluster.encryptionAlgorithm).toBe('ECDSA-P256');
  });

  it('derives kubelet and kube-proxy settings from the cluster, keeping what the file sets', () => {
    expect(cfg.kubelet).toMatchObject({
      cgroupDriver: 'cgroupfs',
      maxPods: 150,
      evictionHard: { 'memory.available': '200Mi' },
      clusterDNS: ['10.100.0.10'],
      clusterDomain: 'corp.local',
      authentication: { x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' } },
    });
    expect(cfg.kubeProxy).toMatchObject({ mode: 'nftables', clusterCIDR: '10.244.0.0/16', bindAddress: '0.0.0.0' });
  });

  it('takes an IPv6 first service subnet for cluster DNS and binds kube-proxy to ::', () => {
    const v6 = resolveText(
      doc('InitConfiguration', 'localAPIEndpoint: {advertiseAddress: "fd00::5"}') +
        '---\n' +
        doc('ClusterConfiguration', 'networking: {serviceSubnet: "fd00:10:96::/112,10.96.0.0/16", podSubnet: "fd00:10:244::/56,10.244.0.0/16"}'),
    );
    expect(v6.kubelet.clusterDNS).toEqual(['fd00:10:96::a']);
    expect(v6.kubeProxy.bindAddress).toBe('::');
  });

  it('keeps the control-plane timeout and other timeouts', () => {
    const t = resolveText(doc('InitConfiguration', 'timeouts: {controlPlaneComponentHealthCheck: 90s}'));
    expect(t.init.timeouts).toMatchObject({ controlPlaneComponentHealthCheck: '1m30s', kubeletHealthCheck: '4m0s' });
  });

  it('reads external etcd, defaulting httpEndpoints to the endpoints', () => {
    const ext = resolveText(
      doc('ClusterConfiguration', 'etcd: {external: {endpoints: ["https://10.0.0.9:2379"], caFile: /e/ca.crt, certFile: /e/c.crt, keyFile: /e/c.key}}'),
    );
    expect(ext.cluster.etcd).toEqual({
      external: {
        endpoints: ['https://10.0.0.9:2379'],
        httpEndpoints: ['https://10.0.0.9:2379'],
        caFile: '/e/ca.crt',
        certFile: '/e/c.crt',
        keyFile: '/e/c.key',
      },
    });
  });

  it('treats null and empty fields as unset, as Go does', () => {
    const c = resolveText(doc('ClusterConfiguration', 'apiServer:\n  extraArgs:\nnetworking:\n  serviceSubnet: ""\ncertificatesDir: null'));
    expect(c.cluster.networking.serviceSubnet).toBe('10.96.0.0/12');
    expect(c.cluster.certificatesDir).toBe('/etc/kubernetes/pki');
    expect(c.cluster.apiServer).toEqual({});
  });

  it('ignores reset and upgrade documents, as kubeadm init does', () => {
    const c = resolveText(doc('ClusterConfiguration') + '---\n' + doc('ResetConfiguration', 'force: true') + '---\n');
    expect(c.cluster.clusterName).toBe('kubernetes');
  });

  it('reads through resolveInitConfig from disk', async () => {
    const fromDisk = await resolveInitConfig({ configFile: dataPath('v1beta4-full.yaml'), local: new LocalHost('/'), flags: {}, facts: HOST });
    expect(fromDisk.cluster.networking.podSubnet).toBe('10.244.0.0/16');
  });
});

describe('flags', () => {
  it('set the config when there is no file', () => {
    const cfg = resolveText(undefined, {
      apiserverAdvertiseAddress: '192.168.1.2',
      apiserverBindPort: 8443,
      controlPlaneEndpoint: 'lb.local',
      podNetworkCidr: '10.244.0.0/16',
      serviceCidr: '10.112.0.0/12',
      serviceDnsDomain: 'k8s.internal',
      kubernetesVersion: '1.36.3',
      nodeName: 'My-Node',
      certDir: '/srv/pki',
      apiserverCertExtraSans: ['Extra.Example.com', '10.0.0.7'],
      imageRepository: 'mirror.local:5000/k8s',
      criSocket: 'unix:///run/crio/crio.sock',
      featureGates: 'RootlessControlPlane=true',
      token: 'abcdef.0123456789abcdef',
      tokenTtl: '1h',
      certificateKey: 'a'.repeat(64),
      skipPhases: ['addon/kube-proxy'],
      ignorePreflightErrors: ['Swap', 'NumCPU'],
    });
    expect(cfg.init.localAPIEndpoint).toEqual({ advertiseAddress: '192.168.1.2', bindPort: 8443 });
    expect(cfg.cluster.controlPlaneEndpoint).toBe('lb.local:8443');
    expect(cfg.cluster.networking).toEqual({ podSubnet: '10.244.0.0/16', serviceSubnet: '10.112.0.0/12', dnsDomain: 'k8s.internal' });
    expect(cfg.cluster.kubernetesVersion).toBe('v1.36.3');
    expect(cfg.init.nodeRegistration).toMatchObject({ name: 'my-node', criSocket: 'unix:///run/crio/crio.sock', ignorePreflightErrors: ['numcpu', 'swap'] });
    expect(cfg.cluster).toMatchObject({ certificatesDir: '/srv/pki', imageRepository: 'mirror.local:5000/k8s', featureGates: { RootlessControlPlane: true } });
    expect(cfg.cluster.apiServer.certSANs).toEqual(['extra.example.com', '10.0.0.7']);
    expect(cfg.init.bootstrapTokens![0]).toMatchObject({ token: 'abcdef.0123456789abcdef', ttl: '1h0m0s' });
    expect(cfg.init.certificateKey).toBe('a'.repeat(64));
    expect(cfg.init.skipPhases).toEqual(['addon/kube-proxy']);
    expect(cfg.kubelet.clusterDNS).toEqual(['10.112.0.10']);
    expect(cfg.kubelet.clusterDomain).toBe('k8s.internal');
    expect(cfg.kubelet.authentication).toMatchObject({ x509: { clientCAFile: '/srv/pki/ca.crt' } });
    expect(cfg.kubeProxy.clusterCIDR).toBe('10.244.0.0/16');
  });

  it("can't be mixed with --config, except kubeadm's allowed ones", () => {
    const text = doc('ClusterConfiguration');
    const err = (() => {
      try {
        resolveText(text, { podNetworkCidr: '10.244.0.0/16', serviceCidr: '10.0.0.0/16', certificateKey: 'x' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err!.message).toMatch(/^can not mix '--config' with arguments \[certificate-key pod-network-cidr service-cidr\]/);
  });

  it('--node-name, --skip-phases and --ignore-preflight-errors go with --config and win', () => {
    const cfg = resolveText(doc('InitConfiguration', 'skipPhases: [addon]\nnodeRegistration: {name: file-name, ignorePreflightErrors: [Swap]}'), {
      nodeName: 'flag-name',
      skipPhases: ['preflight'],
      ignorePreflightErrors: ['NumCPU'],
    });
    expect(cfg.init.nodeRegistration.name).toBe('flag-name');
    expect(cfg.init.skipPhases).toEqual(['preflight']);
    expect(cfg.init.nodeRegistration.ignorePreflightErrors).toEqual(['numcpu', 'swap']);
  });

  it('are named in errors about their values, tokens never shown', () => {
    expect(configErrorOf(() => resolveText(undefined, { serviceCidr: '10.96.0.0/33' })).message).toBe(
      '<flags>: --service-cidr: "10.96.0.0/33" is not a valid CIDR; expected e.g. 10.96.0.0/12 or fd00::/108, or an IPv4,IPv6 pair for dual-stack',
    );
    expect(configErrorOf(() => resolveText(undefined, { podNetworkCidr: '10.96.0.0/16' })).message).toMatch(
      /^<flags>: --pod-network-cidr: 10.96.0.0\/16 overlaps the service subnet 10.96.0.0\/12/,
    );
    expect(configErrorOf(() => resolveText(undefined, { apiserverBindPort: 70000 })).field).toBe('--apiserver-bind-port');
    expect(configErrorOf(() => resolveText(undefined, { tokenTtl: 'forever' })).message).toMatch(/--token-ttl: "forever" is not a duration/);
    expect(configErrorOf(() => resolveText(undefined, { featureGates: 'Nope=true' })).message).toMatch(
      /--feature-gates: "Nope" is not a kubeadm feature gate; expected one of RootlessControlPlane/,
    );
    expect(configErrorOf(() => resolveText(undefined, { featureGates: 'RootlessControlPlane' })).field).toBe('--feature-gates');
    const bad = configErrorOf(() => resolveText(undefined, { token: 'Secret.Value-Do-Not-Show' }));
    expect(bad.field).toBe('--token');
    expect(bad.message).not.toContain('Secret');
    const key = configErrorOf(() => resolveText(undefined, { certificateKey: 'deadbeefnothex!' }));
    expect(key.message).toMatch(/--certificate-key: the certificate key is invalid; expected 64 hex digits/);
    expect(key.message).not.toContain('deadbeef');
  });
});
