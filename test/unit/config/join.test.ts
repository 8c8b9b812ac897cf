import { describe, expect, it } from 'vitest';
import { buildJoinConfig, resolveJoinConfig } from '../../../src/config/join.js';
import { readConfigText } from '../../../src/config/read.js';
import { UserError } from '../../../src/errors.js';
import { LocalHost } from '../../../src/host/local.js';
import { HOST, configErrorOf, dataPath, dataText } from './support.js';

const HASH = `sha256:${'ab'.repeat(32)}`;
const TOKEN = 'abcdef.0123456789abcdef';

describe('join configuration', () => {
  it('is built from kubeadm join flags', () => {
    const { join } = buildJoinConfig(undefined, { apiServerEndpoint: '10.0.0.10:6443', token: TOKEN, discoveryTokenCaCertHash: [HASH] }, HOST);
    expect(join.discovery).toEqual({
      bootstrapToken: { token: TOKEN, apiServerEndpoint: '10.0.0.10:6443', caCertHashes: [HASH], unsafeSkipCAVerification: false },
      tlsBootstrapToken: TOKEN,
    });
    expect(join.nodeRegistration.name).toBe('node-a');
    expect(join.nodeRegistration.taints).toBeUndefined();
    expect(join.controlPlane).toBeUndefined();
    expect(join.caCertPath).toBe('/etc/kubernetes/pki/ca.crt');
  });

  it('for a control-plane node: local endpoint, certificate key, control-plane taint', () => {
    const { join } = buildJoinConfig(
      undefined,
      {
        apiServerEndpoint: 'lb:6443',
        discoveryToken: TOKEN,
        tlsBootstrapToken: 'zzzzzz.0123456789abcdef',
        discoveryTokenUnsafeSkipCaVerification: true,
        controlPlane: true,
        certificateKey: 'f'.repeat(64),
        apiserverBindPort: 6444,
      },
      HOST,
    );
    expect(join.controlPlane).toEqual({ localAPIEndpoint: { advertiseAddress: '10.1.2.3', bindPort: 6444 }, certificateKey: 'f'.repeat(64) });
    expect(join.discovery.tlsBootstrapToken).toBe('zzzzzz.0123456789abcdef');
    expect(join.nodeRegistration.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
  });

  it('uses file discovery', () => {
    const { join } = buildJoinConfig(undefined, { discoveryFile: 'file:///etc/kubernetes/discovery.conf', tlsBootstrapToken: TOKEN }, HOST);
    expect(join.discovery).toEqual({ file: { kubeConfigPath: '/etc/kubernetes/discovery.conf' }, tlsBootstrapToken: TOKEN });
  });

  it('reads a v1beta3 JoinConfiguration from disk', async () => {
    const { join } = await resolveJoinConfig({
      configFile: dataPath('join-v1beta3.yaml'),
      local: new LocalHost('/'),
      flags: { nodeName: 'Other' },
      facts: HOST,
    });
    expect(join.nodeRegistration).toMatchObject({ name: 'other', kubeletExtraArgs: [{ name: 'node-labels', value: 'tier=web' }] });
    expect(join.timeouts?.discovery).toBe('10m0s');
  });

  it('names the flag or the field at fault, never the token', () => {
    const noPin = configErrorOf(() => buildJoinConfig(undefined, { apiServerEndpoint: '10.0.0.10:6443', token: TOKEN }, HOST));
    expect(noPin.message).toMatch(/^<flags>: JoinConfiguration: discovery\.bootstrapToken\.caCertHashes: token discovery without a CA pin is unsafe/);
    const badToken = configErrorOf(() =>
      buildJoinConfig(undefined, { apiServerEndpoint: '10.0.0.10:6443', token: 'NOT.a-token', discoveryTokenCaCertHash: [HASH] }, HOST),
    );
    expect(badToken.message).toMatch(/^<flags>: --token: the bootstrap token is invalid/);
    expect(badToken.message).not.toContain('NOT.a-token');
    expect(
      configErrorOf(() => buildJoinConfig(undefined, { apiServerEndpoint: '10.0.0.10', token: TOKEN, discoveryTokenCaCertHash: [HASH] }, HOST)).field,
    ).toBe('the API server endpoint argument');
    expect(configErrorOf(() => buildJoinConfig(undefined, { apiServerEndpoint: 'a:1', token: TOKEN, discoveryTokenCaCertHash: ['md5:00'] }, HOST)).field).toBe(
      '--discovery-token-ca-cert-hash',
    );
    const file = readConfigText(
      'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery: {file: {kubeConfigPath: /x}, bootstrapToken: {token: abcdef.0123456789abcdef}}\n',
      'join.yaml',
    );
    expect(configErrorOf(() => buildJoinConfig(file, {}, HOST)).message).toMatch(
      /^join\.yaml: JoinConfiguration: discovery: bootstrapToken and file are mutually exclusive/,
    );
  });

  it('refuses flags beside --config, as kubeadm, and a config without a JoinConfiguration', () => {
    const file = readConfigText(dataText('join-v1beta3.yaml'), 'join.yaml');
    expect(() => buildJoinConfig(file, { token: TOKEN, controlPlane: true }, HOST)).toThrow(
      new UserError("can not mix '--config' with arguments [control-plane token]; set them in the config file instead"),
    );
    expect(() => buildJoinConfig(file, { apiServerEndpoint: 'a:1' }, HOST)).toThrow(/API server endpoint argument/);
    const initOnly = readConfigText('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n', 'c.yaml');
    expect(() => buildJoinConfig(initOnly, {}, HOST)).toThrow('c.yaml: no JoinConfiguration found');
  });
});

describe('v1beta3 fields in v1beta4 join documents', () => {
  it('say where v1beta4 moved them', () => {
    const text = 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery: {timeout: 5m}\n';
    expect(() => readConfigText(text, 'join.yaml')).toThrow(
      'join.yaml: JoinConfiguration: discovery.timeout: unknown field "timeout" (v1beta4 moved it to timeouts.discovery)',
    );
  });
});
