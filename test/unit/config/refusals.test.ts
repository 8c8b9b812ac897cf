import { describe, expect, it } from 'vitest';
import { initPhases } from '../../../src/commands/init/phases.js';
import { joinPhases } from '../../../src/commands/join/phases.js';
import { validateConfig } from '../../../src/commands/config/documents.js';
import { buildJoinConfig } from '../../../src/config/join.js';
import { readConfigText } from '../../../src/config/read.js';
import { flatten } from '../../../src/workflow/phase.js';
import { configErrorOf, dataPath, doc, resolveText, runCli } from './support.js';

/** Values kubeadm refuses (`kubeadm config validate`, v1.37.1) or that would break the node, refused naming the field. */

const PHASES = { init: flatten(initPhases).map((p) => p.path), join: flatten(joinPhases).map((p) => p.path) };
const TOKEN = 'abcdef.0123456789abcdef';
const cluster = (body: string) => doc('ClusterConfiguration', `kubernetesVersion: v1.37.1\n${body}`);
const init = (body: string) => doc('InitConfiguration', body);
const join = (body: string) =>
  doc('JoinConfiguration', `discovery:\n  bootstrapToken:\n    token: ${TOKEN}\n    unsafeSkipCAVerification: true\n    apiServerEndpoint: lb:6443\n${body}`);
/** What `bosun config validate` says of `text` as cfg.yaml. */
const validate = (text: string) => configErrorOf(() => validateConfig(readConfigText(text, 'cfg.yaml'), PHASES)).message;

describe('stray whitespace', () => {
  it('is refused in versions, subnets, addresses, names, images and endpoints, naming the field', () => {
    const cases: [string, string][] = [
      [
        cluster('').replace('v1.37.1', '"v1.37.1 "'),
        'ClusterConfiguration: kubernetesVersion: "v1.37.1 " contains whitespace; expected a version such as v1.37.1',
      ],
      [cluster('networking:\n  serviceSubnet: " 10.96.0.0/12"'), 'ClusterConfiguration: networking.serviceSubnet: " 10.96.0.0/12" contains whitespace'],
      [
        cluster('networking:\n  podSubnet: "10.244.0.0/16, fd00::/56"'),
        'ClusterConfiguration: networking.podSubnet: "10.244.0.0/16, fd00::/56" contains whitespace',
      ],
      [cluster('networking:\n  dnsDomain: "cluster.local "'), 'ClusterConfiguration: networking.dnsDomain: "cluster.local " contains whitespace'],
      [cluster('imageRepository: "registry.k8s.io "'), 'ClusterConfiguration: imageRepository: "registry.k8s.io " contains whitespace'],
      [cluster('dns:\n  imageTag: "v1.12.0 "'), 'ClusterConfiguration: dns.imageTag: "v1.12.0 " contains whitespace'],
      [cluster('etcd:\n  local:\n    imageTag: "3.6.16-0\\t"'), 'ClusterConfiguration: etcd.local.imageTag: "3.6.16-0\\t" contains whitespace'],
      [cluster('certificatesDir: "/etc/kubernetes/pki "'), 'ClusterConfiguration: certificatesDir: "/etc/kubernetes/pki " has leading or trailing whitespace'],
      [cluster('controlPlaneEndpoint: " lb:6443"'), 'ClusterConfiguration: controlPlaneEndpoint: " lb:6443" contains whitespace'],
      [cluster('apiServer:\n  certSANs: ["lb.example.com "]'), 'ClusterConfiguration: apiServer.certSANs: "lb.example.com " contains whitespace'],
      [cluster('apiServer:\n  extraArgs:\n  - name: " v"\n    value: "2"'), 'ClusterConfiguration: apiServer.extraArgs[0].name: " v" contains whitespace'],
      [init('localAPIEndpoint:\n  advertiseAddress: " 10.0.0.1"'), 'InitConfiguration: localAPIEndpoint.advertiseAddress: " 10.0.0.1" contains whitespace'],
      [
        init('nodeRegistration:\n  criSocket: "unix:///run/containerd/containerd.sock "'),
        'InitConfiguration: nodeRegistration.criSocket: "unix:///run/containerd/containerd.sock " contains whitespace',
      ],
      [join('').replace('lb:6443', '"lb:6443 "'), 'JoinConfiguration: discovery.bootstrapToken.apiServerEndpoint: "lb:6443 " contains whitespace'],
      [join('caCertPath: "/etc/kubernetes/pki/ca.crt "'), 'JoinConfiguration: caCertPath: "/etc/kubernetes/pki/ca.crt " has leading or trailing whitespace'],
      [
        doc('KubeletConfiguration', 'clusterDNS: ["10.96.0.10 "]') + '---\n' + cluster(''),
        'KubeletConfiguration: clusterDNS[0]: "10.96.0.10 " contains whitespace',
      ],
    ];
    for (const [text, problem] of cases)
      expect(validate(text), problem).toBe(`cfg.yaml: ${problem}${problem.includes('; expected') ? '' : '; expected the value without it'}`);
  });

  it('is refused in flags too, naming the flag', () => {
    expect(configErrorOf(() => resolveText(undefined, { kubernetesVersion: 'v1.37.1 ' })).message).toBe(
      '<flags>: --kubernetes-version: "v1.37.1 " contains whitespace; expected a version such as v1.37.1',
    );
    expect(configErrorOf(() => resolveText(undefined, { serviceCidr: '10.96.0.0/12\n' })).message).toBe(
      '<flags>: --service-cidr: "10.96.0.0/12\\n" contains whitespace; expected the value without it',
    );
  });

  it('leaves inner spaces where kubeadm allows them, and trims node names as kubeadm does', () => {
    expect(resolveText(cluster('clusterName: my cluster\ncertificatesDir: /srv/my pki')).cluster.clusterName).toBe('my cluster');
    expect(resolveText(init('nodeRegistration:\n  name: " Node-1 "')).init.nodeRegistration.name).toBe('node-1');
  });
});

describe("values kubeadm refuses or the node can't use", () => {
  it('an apiVersion with extra path segments', () => {
    expect(validate(doc('InitConfiguration', '', 'kubeadm.k8s.io/v1beta4/extra'))).toBe(
      'cfg.yaml: InitConfiguration: apiVersion: "kubeadm.k8s.io/v1beta4/extra" is not group/version; expected e.g. kubeadm.k8s.io/v1beta4',
    );
    expect(validate(doc('" InitConfiguration"'))).toBe(
      'cfg.yaml: document 1: kind: " InitConfiguration" is not a kind; expected e.g. InitConfiguration or ClusterConfiguration',
    );
  });

  it('a negative or zero timeout (a negative health-check timeout became a negative failure threshold)', () => {
    expect(validate(init('timeouts:\n  controlPlaneComponentHealthCheck: -4m'))).toBe(
      'cfg.yaml: InitConfiguration: timeouts.controlPlaneComponentHealthCheck: -4m0s is not a positive duration; expected e.g. 4m0s',
    );
    expect(validate(join('timeouts:\n  discovery: 0s'))).toBe(
      'cfg.yaml: JoinConfiguration: timeouts.discovery: 0s is not a positive duration; expected e.g. 4m0s',
    );
  });

  it('a negative token TTL, from the file or --token-ttl (0 still means never)', () => {
    expect(validate(init(`bootstrapTokens:\n- token: ${TOKEN}\n  ttl: -1h`))).toBe(
      'cfg.yaml: InitConfiguration: bootstrapTokens[0].ttl: -1h0m0s is negative; expected a duration such as 24h0m0s, or 0 for a token that never expires',
    );
    expect(configErrorOf(() => resolveText(undefined, { tokenTtl: '-5m' })).field).toBe('--token-ttl');
    expect(resolveText(undefined, { tokenTtl: '0' }).init.bootstrapTokens?.[0].ttl).toBe('0s');
  });

  it('an expiry date that does not exist', () => {
    for (const expires of ['2030-02-31T00:00:00Z', '2030-01-31T25:00:00Z', '2030-13-01T00:00:00Z', '2030-01-01T00:60:00Z', '2030-01-01T00:00:00+24:00']) {
      expect(validate(init(`bootstrapTokens:\n- token: ${TOKEN}\n  expires: "${expires}"`)), expires).toMatch(
        /^cfg\.yaml: InitConfiguration: bootstrapTokens\[0\]\.expires: ".*" is not an RFC 3339 time \(or not a real date and time\)/,
      );
    }
    expect(resolveText(init(`bootstrapTokens:\n- token: ${TOKEN}\n  expires: "2028-02-29T23:59:59+05:30"`)).init.bootstrapTokens?.[0].expires).toBe(
      '2028-02-29T23:59:59+05:30',
    );
  });

  it('ports written as 1e3 or 0x1bb, or an octal-looking 06443 (which Go would read as octal)', () => {
    expect(validate(init('localAPIEndpoint:\n  bindPort: 0x1bb'))).toBe(
      'cfg.yaml: document 1: localAPIEndpoint.bindPort: 0x1bb is an integer written as hexadecimal; expected a plain decimal integer (443) (line 4, column 13)',
    );
    expect(validate(init('localAPIEndpoint:\n  bindPort: 1e3'))).toMatch(
      /bindPort: 1e3 is an integer written as a power of ten; expected a plain decimal integer \(1000\)/,
    );
    expect(validate(init('localAPIEndpoint:\n  bindPort: 06443'))).toMatch(/bindPort: 06443 is an integer written as octal/);
    expect(validate(init('localAPIEndpoint:\n  bindPort: "443"'))).toMatch(/bindPort: expected an integer, got "443"/);
    // Fractions stay what they are: floats where floats are expected.
    expect(readConfigText(doc('KubeletConfiguration', 'memoryThrottlingFactor: 1.0'), 'cfg.yaml').kubelet?.memoryThrottlingFactor).toBe(1);
  });

  it('a port flag that is not a plain decimal port, where a join took "abc" for 6443', async () => {
    for (const [command, port] of [
      ['init', '0x1bb'],
      ['join', 'abc'],
      ['join', '1e3'],
    ]) {
      const args = command === 'join' ? ['join', 'lb:6443', '--control-plane'] : ['init'];
      const { code, stderr } = await runCli([...args, '--apiserver-bind-port', port, '--dry-run']);
      expect(code).toBe(1);
      expect(stderr).toBe(`error: <flags>: --apiserver-bind-port: "${port}" is not a port; expected a decimal number from 1 to 65535\n`);
    }
    expect(() => buildJoinConfig(undefined, { apiServerEndpoint: 'lb:abc', token: TOKEN, discoveryTokenUnsafeSkipCaVerification: true })).toThrow(
      /the API server endpoint argument: "lb:abc" is not host:port: port "abc" must be a number between 1 and 65535/,
    );
  });

  it('a skipPhases entry init or join would refuse, which config validate now refuses too', async () => {
    expect(validate(init('skipPhases: [preflight, certs/bogus]'))).toMatch(
      /^cfg\.yaml: InitConfiguration: skipPhases\[1\]: unknown phase "certs\/bogus"; phases are: preflight, certs, /,
    );
    expect(validate(join('skipPhases: [control-plane-prepare/download-certs, kubelet-start, addon]'))).toMatch(
      /^cfg\.yaml: JoinConfiguration: skipPhases\[2\]: unknown phase "addon"; phases are: preflight, /,
    );
    const { code, stderr } = await runCli(['config', 'validate', '--config', dataPath('skip-bogus-phase.yaml')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: .*skip-bogus-phase\.yaml: InitConfiguration: skipPhases\[0\]: unknown phase "bogus"; phases are: preflight, /);
    // init and join refuse the same, naming the file or the flag, before anything runs.
    const initRun = await runCli(['init', '--config', dataPath('skip-bogus-phase.yaml'), '--dry-run']);
    expect(initRun.stderr).toBe(stderr);
    const flag = await runCli([
      'join',
      'lb:6443',
      '--token',
      TOKEN,
      '--discovery-token-unsafe-skip-ca-verification',
      '--skip-phases',
      'kubelet-start,bogus',
      '--dry-run',
    ]);
    expect(flag.stderr).toMatch(/^error: <flags>: --skip-phases: unknown phase "bogus"; phases are: preflight, /);
  });

  it('a cluster name with control characters or stray whitespace (kubeadm takes any other name)', () => {
    expect(validate(cluster('clusterName: "prod\\e[2J"'))).toBe(
      'cfg.yaml: ClusterConfiguration: clusterName: "prod\\x1b[2J" contains control characters; expected a name such as kubernetes',
    );
    expect(validate(cluster('clusterName: "prod "'))).toBe(
      'cfg.yaml: ClusterConfiguration: clusterName: "prod " has leading or trailing whitespace; expected the value without it',
    );
  });

  it('a cluster name longer than a DNS subdomain (3 MiB of it ended up in every kubeconfig)', () => {
    expect(validate(cluster(`clusterName: ${'a'.repeat(254)}`))).toMatch(
      /^cfg\.yaml: ClusterConfiguration: clusterName: "a+…" has 254 characters; expected at most 253$/,
    );
    expect(() => validateConfig(readConfigText(cluster(`clusterName: ${'a'.repeat(253)}`), 'cfg.yaml'), PHASES)).not.toThrow();
  });

  it('an image tag that is not one', () => {
    expect(validate(cluster('dns:\n  imageTag: "v1.12:0"'))).toMatch(
      /^cfg\.yaml: ClusterConfiguration: dns\.imageTag: "v1\.12:0" is not an image tag; expected e\.g\. v1\.12\.0/,
    );
  });

  it('a kubelet extra arg value with whitespace, which the flags file would split into flags nobody wrote', () => {
    expect(validate(init('nodeRegistration:\n  kubeletExtraArgs:\n  - name: node-labels\n    value: "a=b --authorization-mode=AlwaysAllow"'))).toBe(
      'cfg.yaml: InitConfiguration: nodeRegistration.kubeletExtraArgs[0].value: "a=b --authorization-mode=AlwaysAllow" contains whitespace or control characters; expected one word (the kubelet\'s flags are split on whitespace)',
    );
  });

  it('a taint the kubelet would refuse to register with', () => {
    const taint = (key: string, value = 'x') =>
      validate(join(`nodeRegistration:\n  taints:\n  - key: "${key}"\n    value: "${value}"\n    effect: NoSchedule`));
    expect(taint('bad key')).toBe(
      'cfg.yaml: JoinConfiguration: nodeRegistration.taints[0].key: "bad key" is not a taint key; expected a name such as example.com/dedicated (letters, digits, "-", "_", ".")',
    );
    expect(taint('Example.com/x')).toMatch(/taints\[0\]\.key: "Example\.com\/x" is not a taint key/);
    expect(taint('example.com/dedicated', 'a,b')).toMatch(/taints\[0\]\.value: "a,b" is not a taint value/);
    expect(
      resolveText(init('nodeRegistration:\n  taints:\n  - key: example.com/gpu\n    value: A_1.b\n    effect: NoSchedule')).init.nodeRegistration.taints,
    ).toHaveLength(1);
  });
});
