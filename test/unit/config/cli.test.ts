import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readConfigText } from '../../../src/config/read.js';
import { tempDir } from '../../support/temp.js';
import { dataPath, dataText, runCli } from './support.js';

const tmp = () => tempDir('bosun-config-cli-');

describe('bosun config print', () => {
  it('init-defaults: v1beta4 with kubeadm placeholders, that validates', async () => {
    const { code, stdout } = await runCli(['config', 'print', 'init-defaults']);
    expect(code).toBe(0);
    expect(stdout).toContain('    token: abcdef.0123456789abcdef\n');
    expect(stdout).toContain('  advertiseAddress: 1.2.3.4\n');
    expect(stdout).toContain('  name: node\n  taints: null\n');
    expect(parseAllDocuments(stdout).map((d) => d.get('kind'))).toEqual(['InitConfiguration', 'ClusterConfiguration']);
    expect(stdout.startsWith('apiVersion: kubeadm.k8s.io/v1beta4\nbootstrapTokens:\n')).toBe(true);
    const file = readConfigText(stdout, 'defaults.yaml');
    expect(file.init?.bootstrapTokens?.[0].token).toBe('abcdef.0123456789abcdef');
    // The same output twice: no token or host address sneaks in.
    expect((await runCli(['config', 'print', 'init-defaults'])).stdout).toBe(stdout);
  });

  it('init-defaults --component-configs adds the kubelet and kube-proxy documents', async () => {
    const { code, stdout } = await runCli(['config', 'print', 'init-defaults', '--component-configs', 'KubeletConfiguration,KubeProxyConfiguration']);
    expect(code).toBe(0);
    const docs = parseAllDocuments(stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['InitConfiguration', 'ClusterConfiguration', 'KubeletConfiguration', 'KubeProxyConfiguration']);
    expect(docs[2]).toMatchObject({ apiVersion: 'kubelet.config.k8s.io/v1beta1', clusterDNS: ['10.96.0.10'], cgroupDriver: 'systemd' });
    expect(docs[3]).toMatchObject({ apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', bindAddress: '0.0.0.0', mode: 'iptables' });
    const bad = await runCli(['config', 'print', 'init-defaults', '--component-configs', 'Kubelet']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: --component-configs: unknown kind "Kubelet"; expected some of KubeProxyConfiguration, KubeletConfiguration\n');
  });

  it('join-defaults', async () => {
    const { code, stdout } = await runCli(['config', 'print', 'join-defaults']);
    expect(code).toBe(0);
    expect(parseAllDocuments(stdout)[0].toJS()).toMatchObject({
      kind: 'JoinConfiguration',
      discovery: {
        bootstrapToken: { apiServerEndpoint: 'kube-apiserver:6443', token: 'abcdef.0123456789abcdef', unsafeSkipCAVerification: true },
        tlsBootstrapToken: 'abcdef.0123456789abcdef',
      },
      nodeRegistration: { name: 'node', taints: null },
    });
  });
});

describe('bosun config migrate', () => {
  it('prints v1beta4 to stdout', async () => {
    const { code, stdout } = await runCli(['config', 'migrate', '--old-config', dataPath('v1beta3.yaml')]);
    expect(code).toBe(0);
    expect(stdout).toBe(dataText('v1beta3-migrated.yaml'));
  });

  it('writes --new-config atomically, mode 0600 (it may hold tokens)', async () => {
    const out = path.join(tmp(), 'new.yaml');
    const { code, stdout } = await runCli(['config', 'migrate', '--old-config', dataPath('v1beta3.yaml'), '--new-config', out]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(dataText('v1beta3-migrated.yaml'));
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('fails on a bad file and writes nothing', async () => {
    const dir = tmp();
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking: {podSubnet: nope}\n');
    const { code, stderr } = await runCli(['config', 'migrate', '--old-config', bad, '--new-config', path.join(dir, 'new.yaml')]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `error: ${bad}: ClusterConfiguration: networking.podSubnet: "nope" is not a valid CIDR; expected e.g. 10.96.0.0/12 or fd00::/108, or an IPv4,IPv6 pair for dual-stack\n`,
    );
    expect(() => statSync(path.join(dir, 'new.yaml'))).toThrow();
  });
});

describe('bosun config validate', () => {
  it('prints ok for good files', async () => {
    for (const name of ['v1beta4-full.yaml', 'v1beta3.yaml', 'join-v1beta3.yaml']) {
      expect(await runCli(['config', 'validate', '--config', dataPath(name)])).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    }
  });

  it('prints the problem and exits 1 for bad ones', async () => {
    const bad = path.join(tmp(), 'bad.yaml');
    writeFileSync(bad, 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: 10.96.0.0/33\n');
    expect(await runCli(['config', 'validate', '--config', bad])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: ${bad}: ClusterConfiguration: networking.serviceSubnet: "10.96.0.0/33" is not a valid CIDR; expected e.g. 10.96.0.0/12 or fd00::/108, or an IPv4,IPv6 pair for dual-stack\n`,
    });
  });

  it('needs --config', async () => {
    const { code, stderr } = await runCli(['config', 'validate']);
    // A usage error: README "Exit codes".
    expect(code).toBe(2);
    expect(stderr).toMatch(/required option '--config <file>' not specified/);
  });
});
