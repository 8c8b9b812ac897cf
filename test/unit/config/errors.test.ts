import { describe, expect, it } from 'vitest';
import { readConfigText } from '../../../src/config/read.js';
import { configErrorOf, doc, resolveText } from './support.js';

const cluster = (body: string) => doc('ClusterConfiguration', body);
const init = (body: string) => doc('InitConfiguration', body);
/** The error resolving `text` as cfg.yaml gives, as one line per problem. */
const errorOf = (text: string) => configErrorOf(() => resolveText(text));

describe('document errors', () => {
  it('refuse an unknown apiVersion or kind', () => {
    expect(errorOf(doc('Foo', '', 'example.com/v1')).message).toBe(
      'cfg.yaml: Foo: apiVersion: unknown apiVersion/kind "example.com/v1" Foo; expected kubeadm.k8s.io/v1beta4 (or kubeadm.k8s.io/v1beta3, converted on read), kubelet.config.k8s.io/v1beta1 KubeletConfiguration or kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration',
    );
    expect(errorOf(doc('InitConfig')).message).toBe(
      'cfg.yaml: InitConfig: kind: "InitConfig" is not a kubeadm.k8s.io/v1beta4 kind; expected one of InitConfiguration, ClusterConfiguration, JoinConfiguration',
    );
    expect(errorOf(doc('ClusterConfiguration', '', 'kubeadm.k8s.io/v1beta2')).message).toMatch(
      /^cfg\.yaml: ClusterConfiguration: apiVersion: "kubeadm.k8s.io\/v1beta2" is an old API version .*expected kubeadm.k8s.io\/v1beta4\. Convert the file with kubeadm v1\.22/,
    );
    expect(errorOf(doc('ClusterConfiguration', '', 'kubeadm.k8s.io/v1')).message).toMatch(
      /apiVersion: "kubeadm.k8s.io\/v1" is not supported; expected kubeadm.k8s.io\/v1beta4/,
    );
    expect(errorOf(doc('KubeletConfiguration', '', 'kubelet.config.k8s.io/v1')).field).toBe('apiVersion');
  });

  it('refuse documents without apiVersion and kind, and kinds given twice', () => {
    expect(errorOf('kind: ClusterConfiguration\n').message).toMatch(/^cfg\.yaml: document 1: apiVersion and kind are required/);
    expect(errorOf(cluster('') + '---\n' + cluster('')).message).toBe(
      'cfg.yaml: ClusterConfiguration: the kind is specified twice (documents 1 and 2); expected one document per kind',
    );
    expect(errorOf('- a list\n').message).toMatch(/^cfg\.yaml: document 1: expected a mapping/);
  });

  it('point at the line of a YAML syntax error', () => {
    expect(errorOf(cluster('networking:\n  serviceSubnet: [10.96.0.0/12\n')).message).toMatch(/^cfg\.yaml: line \d+, column \d+: invalid YAML: /);
  });

  it('refuse an init file with neither InitConfiguration nor ClusterConfiguration', () => {
    expect(errorOf(doc('KubeletConfiguration')).message).toMatch(/^cfg\.yaml: no InitConfiguration or ClusterConfiguration found/);
  });
});

describe('field errors name the file, kind and field, and say what was expected', () => {
  it('unknown fields, with the likely intended one', () => {
    expect(errorOf(cluster('imageRepositry: x')).message).toBe(
      'cfg.yaml: ClusterConfiguration: imageRepositry: unknown field "imageRepositry"; did you mean "imageRepository"?',
    );
    expect(errorOf(cluster('networking: {podCIDR: 10.244.0.0/16}')).message).toBe(
      'cfg.yaml: ClusterConfiguration: networking.podCIDR: unknown field "podCIDR"; expected one of serviceSubnet, podSubnet, dnsDomain',
    );
    expect(errorOf(cluster('apiServer: {timeoutForControlPlane: 4m}')).message).toMatch(
      /apiServer\.timeoutForControlPlane: unknown field .*v1beta4 moved it to InitConfiguration\/JoinConfiguration timeouts\.controlPlaneComponentHealthCheck/,
    );
    expect(errorOf(init('dryRun: true').replace('v1beta4', 'v1beta3')).message).toMatch(/^cfg\.yaml: InitConfiguration: dryRun: unknown field "dryRun"/);
  });

  it('wrong types', () => {
    expect(errorOf(init('localAPIEndpoint: {bindPort: "6443"}')).message).toBe(
      'cfg.yaml: InitConfiguration: localAPIEndpoint.bindPort: expected an integer, got "6443"',
    );
    expect(errorOf(cluster('kubernetesVersion: 1.30')).message).toBe(
      'cfg.yaml: ClusterConfiguration: kubernetesVersion: expected a string, got the number 1.3 (quote the value in YAML)',
    );
    expect(errorOf(cluster('apiServer: {extraArgs: {v: "2"}}')).message).toBe(
      'cfg.yaml: ClusterConfiguration: apiServer.extraArgs: expected a list, got a mapping (in v1beta4 extra args are a list of {name, value}; v1beta3 used a mapping)',
    );
    expect(errorOf(cluster('featureGates: {RootlessControlPlane: "yes"}')).field).toBe('featureGates.RootlessControlPlane');
    expect(errorOf(init('nodeRegistration: {taints: [{key: a, effect: Never}]}')).message).toBe(
      'cfg.yaml: InitConfiguration: nodeRegistration.taints[0].effect: "Never" is not valid; expected one of "NoSchedule", "PreferNoSchedule", "NoExecute"',
    );
    expect(errorOf(cluster('apiServer: {extraVolumes: [{name: a, hostPath: /x}]}')).message).toBe(
      'cfg.yaml: ClusterConfiguration: apiServer.extraVolumes[0].mountPath: required field is missing; expected a string',
    );
  });

  it('invalid CIDRs and IPs, IPv4 and IPv6, dual-stack', () => {
    expect(errorOf(cluster('networking: {serviceSubnet: 10.96.0.0/33}')).message).toBe(
      'cfg.yaml: ClusterConfiguration: networking.serviceSubnet: "10.96.0.0/33" is not a valid CIDR; expected e.g. 10.96.0.0/12 or fd00::/108, or an IPv4,IPv6 pair for dual-stack',
    );
    expect(errorOf(cluster('networking: {podSubnet: "fd00::/129"}')).field).toBe('networking.podSubnet');
    expect(errorOf(cluster('networking: {podSubnet: "10.244.0.0/16,10.245.0.0/16"}')).message).toMatch(
      /networking\.podSubnet: "10\.244\.0\.0\/16,10\.245\.0\.0\/16": expected one CIDR, or two \(one IPv4 and one IPv6\)/,
    );
    expect(errorOf(cluster('networking: {serviceSubnet: 10.0.0.0/8}')).message).toMatch(
      /networking\.serviceSubnet: 10\.0\.0\.0\/8 is too large; expected a prefix of \/12 or longer/,
    );
    expect(errorOf(init('localAPIEndpoint: {advertiseAddress: 10.0.0.300}')).message).toBe(
      'cfg.yaml: InitConfiguration: localAPIEndpoint.advertiseAddress: "10.0.0.300" is not an IP address (IPv4 or IPv6)',
    );
    expect(errorOf(init('localAPIEndpoint: {advertiseAddress: "fd00::g"}')).field).toBe('localAPIEndpoint.advertiseAddress');
    expect(
      resolveText(init('localAPIEndpoint: {advertiseAddress: "fd00::5"}') + '---\n' + cluster('networking: {serviceSubnet: "10.96.0.0/12,fd00:96::/108"}')).init
        .localAPIEndpoint.advertiseAddress,
    ).toBe('fd00::5');
    expect(errorOf(doc('KubeletConfiguration', 'clusterDNS: [10.96.0.x]') + '---\n' + cluster('')).message).toBe(
      'cfg.yaml: KubeletConfiguration: clusterDNS[0]: "10.96.0.x" is not an IP address',
    );
  });

  it('service and pod subnets that overlap', () => {
    expect(errorOf(cluster('networking: {serviceSubnet: 10.96.0.0/12, podSubnet: 10.100.0.0/16}')).message).toBe(
      'cfg.yaml: ClusterConfiguration: networking.podSubnet: 10.100.0.0/16 overlaps the service subnet 10.96.0.0/12; expected disjoint subnets',
    );
    expect(errorOf(cluster('networking: {serviceSubnet: "fd00:1::/108", podSubnet: "fd00::/16"}')).field).toBe('networking.podSubnet');
  });

  it('unparseable or unsupported Kubernetes versions', () => {
    expect(errorOf(cluster('kubernetesVersion: v1.x')).message).toBe(
      'cfg.yaml: ClusterConfiguration: kubernetesVersion: "v1.x" is not a Kubernetes version; expected a semantic version like v1.37.1',
    );
    expect(errorOf(cluster('kubernetesVersion: v1.30.2')).message).toBe(
      'cfg.yaml: ClusterConfiguration: kubernetesVersion: v1.30.2 is not supported; expected v1.35.x to v1.37.x (bosun is pinned to v1.36.3, v1.37.1 and deploys one older control-plane minor)',
    );
    expect(errorOf(cluster('kubernetesVersion: v1.38.0')).message).toMatch(/v1\.38\.0 is not supported/);
    expect(errorOf(cluster('kubernetesVersion: stable-1')).message).toMatch(/"stable-1" is a release label/);
    expect(resolveText(cluster('kubernetesVersion: v1.35.0-rc.1')).cluster.kubernetesVersion).toBe('v1.35.0-rc.1');
  });

  it('certificate validity that is not a Go duration', () => {
    expect(errorOf(cluster('certificateValidityPeriod: 1y')).message).toBe(
      'cfg.yaml: ClusterConfiguration: certificateValidityPeriod: "1y" is not a duration; expected e.g. "8760h", "1h30m", "87600h0m0s", "90s"',
    );
    expect(errorOf(cluster('caCertificateValidityPeriod: -1h')).message).toBe(
      'cfg.yaml: ClusterConfiguration: caCertificateValidityPeriod: -1h0m0s must be a positive duration, e.g. 8760h',
    );
    expect(resolveText(cluster('certificateValidityPeriod: 1h30m')).cluster.certificateValidityPeriod).toBe('1h30m0s');
  });

  it('a bad encryption algorithm', () => {
    expect(errorOf(cluster('encryptionAlgorithm: RSA-1024')).message).toBe(
      'cfg.yaml: ClusterConfiguration: encryptionAlgorithm: "RSA-1024" is not valid; expected one of "ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096"',
    );
  });

  it('bad tokens (never echoed), usages and groups', () => {
    const bad = errorOf(init('bootstrapTokens: [{token: ABCDEF.0123456789abcdef}]'));
    expect(bad.message).toBe(
      'cfg.yaml: InitConfiguration: bootstrapTokens[0].token: the bootstrap token is invalid; expected the form [a-z0-9]{6}.[a-z0-9]{16}',
    );
    expect(errorOf(init('bootstrapTokens: [{token: 12345}]')).message).toBe(
      'cfg.yaml: InitConfiguration: bootstrapTokens[0].token: expected a string, got number (quote the value in YAML)',
    );
    expect(errorOf(init('bootstrapTokens: [{usages: [signing, bogus]}]')).message).toBe(
      'cfg.yaml: InitConfiguration: bootstrapTokens[0].usages: "bogus" is not a token usage; expected signing, authentication',
    );
    expect(errorOf(init('bootstrapTokens: [{groups: ["system:nodes"]}]')).message).toBe(
      'cfg.yaml: InitConfiguration: bootstrapTokens[0].groups: "system:nodes" is not a bootstrap group; expected it to match ^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$',
    );
    expect(errorOf(init('bootstrapTokens: [{usages: [signing], groups: ["system:bootstrappers:x"]}]')).message).toMatch(
      /bootstrapTokens\[0\]\.groups: token groups need the "authentication" usage/,
    );
    expect(errorOf(init('bootstrapTokens: [{ttl: 1h, expires: "2030-01-02T15:04:05Z"}]')).message).toBe(
      'cfg.yaml: InitConfiguration: bootstrapTokens[0]: ttl and expires are mutually exclusive; set one',
    );
    expect(errorOf(init('bootstrapTokens: [{expires: "next tuesday"}]')).field).toBe('bootstrapTokens[0].expires');
  });

  it('bad bind ports', () => {
    expect(errorOf(init('localAPIEndpoint: {bindPort: 70000}')).message).toBe(
      'cfg.yaml: InitConfiguration: localAPIEndpoint.bindPort: 70000 is not a port; expected a number from 1 to 65535',
    );
    expect(errorOf(init('localAPIEndpoint: {bindPort: -1}')).field).toBe('localAPIEndpoint.bindPort');
    expect(errorOf(init('localAPIEndpoint: {bindPort: 64.5}')).message).toMatch(/expected an integer, got the number 64.5/);
  });

  it('other kubeadm checks: etcd, paths, SANs, endpoints, images, gates, node names, sockets', () => {
    expect(errorOf(cluster('etcd: {local: {dataDir: /x}, external: {endpoints: ["https://e:2379"]}}')).message).toBe(
      'cfg.yaml: ClusterConfiguration: etcd: local and external are mutually exclusive; set one',
    );
    expect(errorOf(cluster('etcd: {external: {endpoints: ["http://e:2379"], caFile: /ca, certFile: /c, keyFile: /k}}')).message).toMatch(
      /etcd\.external\.endpoints: "http:\/\/e:2379" must use https/,
    );
    expect(errorOf(cluster('certificatesDir: pki')).message).toBe('cfg.yaml: ClusterConfiguration: certificatesDir: "pki" is not an absolute path');
    expect(errorOf(cluster('apiServer: {certSANs: ["bad name"]}')).field).toBe('apiServer.certSANs');
    expect(errorOf(cluster('controlPlaneEndpoint: "lb:99999"')).field).toBe('controlPlaneEndpoint');
    expect(errorOf(cluster('imageRepository: "Bad Repo"')).field).toBe('imageRepository');
    expect(errorOf(cluster('featureGates: {PublicKeysECDSA: true}')).message).toMatch(
      /featureGates\.PublicKeysECDSA: "PublicKeysECDSA" is not a kubeadm feature gate/,
    );
    expect(errorOf(init('nodeRegistration: {name: "node_1"}')).field).toBe('nodeRegistration.name');
    expect(errorOf(init('nodeRegistration: {criSocket: "tcp://1.2.3.4:1"}')).message).toMatch(
      /nodeRegistration\.criSocket: "tcp:\/\/1\.2\.3\.4:1" is not a CRI socket; expected a unix:\/\/ URL/,
    );
    // A Windows node's containerd: its named pipe.
    expect(() => resolveText(init('nodeRegistration: {criSocket: "npipe:////./pipe/containerd-containerd"}'))).not.toThrow();
    expect(errorOf(init('nodeRegistration: {ignorePreflightErrors: [all, Swap]}')).field).toBe('nodeRegistration.ignorePreflightErrors');
    expect(errorOf(cluster('networking: {podSubnet: 10.244.0.0/26}')).message).toMatch(
      /networking\.podSubnet: 10\.244\.0\.0\/26 is smaller than one node's pod range \(\/24/,
    );
  });

  it('all problems of a file at once, one line each', () => {
    const err = errorOf(cluster('networking: {serviceSubnet: bad}\nkubernetesVersion: v9.0.0\nclusterNme: x'));
    expect(err.message.split('\n')).toEqual(['cfg.yaml: ClusterConfiguration: clusterNme: unknown field "clusterNme"; did you mean "clusterName"?']);
    const semantic = errorOf(cluster('networking: {serviceSubnet: bad}\nkubernetesVersion: v9.0.0'));
    expect(semantic.message.split('\n')).toEqual([
      'cfg.yaml: ClusterConfiguration: networking.serviceSubnet: "bad" is not a valid CIDR; expected e.g. 10.96.0.0/12 or fd00::/108, or an IPv4,IPv6 pair for dual-stack',
      expect.stringMatching(/^cfg\.yaml: ClusterConfiguration: kubernetesVersion: v9\.0\.0 is not supported/),
    ]);
  });
});

describe('component configs', () => {
  const kubelet = (body: string) => doc('KubeletConfiguration', body) + '---\n' + cluster('');
  const proxy = (body: string) => doc('KubeProxyConfiguration', body) + '---\n' + cluster('');

  it('refuse unknown top-level kubelet fields, accept every real one', () => {
    expect(errorOf(kubelet('cgroupDrivr: systemd')).message).toBe(
      'cfg.yaml: KubeletConfiguration: cgroupDrivr: unknown field "cgroupDrivr"; did you mean "cgroupDriver"?',
    );
    expect(errorOf(kubelet('noSuchThing: 1')).message).toBe('cfg.yaml: KubeletConfiguration: noSuchThing: unknown field "noSuchThing"');
    const ok = resolveText(
      kubelet(
        'failCgroupV1: false\nmemorySwap: {swapBehavior: LimitedSwap}\nlogging: {format: json}\nregisterWithTaints: []\nsyncFrequency: 30s\nuserNamespaces: {idsPerPod: 65536}',
      ),
    );
    expect(ok.kubelet).toMatchObject({ failCgroupV1: false, memorySwap: { swapBehavior: 'LimitedSwap' }, syncFrequency: '30s' });
  });

  it('check kubelet field types', () => {
    expect(errorOf(kubelet('maxPods: "110"')).message).toBe('cfg.yaml: KubeletConfiguration: maxPods: expected an integer, got "110"');
    expect(errorOf(kubelet('cgroupDriver: docker')).message).toMatch(/cgroupDriver: "docker" is not valid; expected one of "systemd", "cgroupfs"/);
    expect(errorOf(kubelet('evictionHard: {memory.available: 100}')).message).toBe(
      'cfg.yaml: KubeletConfiguration: evictionHard["memory.available"]: expected a string, got the number 100 (quote the value in YAML)',
    );
    expect(errorOf(kubelet('authentication: {x509: {clientCaFile: /x}}')).message).toMatch(
      /authentication\.x509\.clientCaFile: unknown field "clientCaFile"; did you mean "clientCAFile"\?/,
    );
    expect(errorOf(kubelet('shutdownGracePeriod: 30')).field).toBe('shutdownGracePeriod');
  });

  it('check kube-proxy fields', () => {
    expect(errorOf(proxy('mod: ipvs')).message).toBe('cfg.yaml: KubeProxyConfiguration: mod: unknown field "mod"; did you mean "mode"?');
    expect(errorOf(proxy('mode: userspace')).message).toMatch(
      /KubeProxyConfiguration: mode: "userspace" is not valid; expected one of "iptables", "ipvs", "nftables", "kernelspace"/,
    );
    expect(errorOf(proxy('clusterCIDR: 10.244.0.0')).field).toBe('clusterCIDR');
    expect(errorOf(proxy('clientConnection: {qps: fast}')).field).toBe('clientConnection.qps');
  });

  it('shape-check a file even without resolving it', () => {
    expect(configErrorOf(() => readConfigText(doc('KubeletConfiguration', 'port: true'), 'k.yaml')).message).toBe(
      'k.yaml: KubeletConfiguration: port: expected an integer, got true',
    );
  });
});
