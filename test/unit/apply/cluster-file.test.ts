import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalHost } from '../../../src/host/local.js';
import { readClusterFile } from '../../../src/inventory/cluster.js';

const HOSTS = [
  '  hosts:',
  '    - {name: cp-1, role: control-plane, ssh: {address: 10.0.0.1}}',
  '    - {name: w-1, role: worker, ssh: {address: 10.0.0.2}}',
].join('\n');
const header = (hosts = HOSTS) => `apiVersion: bosun.dev/v1alpha1\nkind: Cluster\nspec:\n${hosts}\n`;

function write(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bosun-cluster-file-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return path.join(dir, 'cluster.yaml');
}

const read = (files: Record<string, string>) => readClusterFile(new LocalHost('/'), write(files));
const refusal = async (files: Record<string, string>) =>
  read(files).then(
    () => 'accepted',
    (err: Error) => err.message,
  );

const inline = (...docs: string[]) => header() + '  kubeadm:\n' + docs.map((d) => d.replace(/^/gm, '      ').replace(/^ {6}/, '    - ')).join('\n') + '\n';

describe('the cluster file for bosun apply', () => {
  it('reads the kubeadm documents inline: ClusterConfiguration, JoinConfiguration defaults, KubeletConfiguration, KubeProxyConfiguration', async () => {
    const def = await read({
      'cluster.yaml': inline(
        'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.36.3\nnetworking: {podSubnet: 10.244.0.0/16}',
        'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\nnodeRegistration: {ignorePreflightErrors: [Swap]}',
        'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd',
        'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs',
      ),
    });
    expect(def.hosts.map((h) => `${h.name}/${h.role}`)).toEqual(['cp-1/control-plane', 'w-1/worker']);
    expect(def.kubeadm.cluster?.kubernetesVersion).toBe('v1.36.3');
    expect(def.kubeadm.cluster?.networking?.podSubnet).toBe('10.244.0.0/16');
    expect(def.kubeadm.join?.nodeRegistration?.ignorePreflightErrors).toEqual(['Swap']);
    expect(def.kubeadm.kubelet?.cgroupDriver).toBe('systemd');
    expect(def.kubeadm.kubeProxy?.mode).toBe('ipvs');
  });

  it('reads them from the file spec.kubeadmConfig names, relative to the cluster file', async () => {
    const def = await read({
      'cluster.yaml': header() + '  kubeadmConfig: kubeadm.yaml\n',
      'kubeadm.yaml': 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.37.1\n',
    });
    expect(def.kubeadm.cluster?.kubernetesVersion).toBe('v1.37.1');
    expect(def.kubeadm.file).toMatch(/kubeadm\.yaml$/);
  });

  it('takes no kubeadm configuration at all: bosun defaults', async () => {
    const def = await read({ 'cluster.yaml': header() });
    expect(def.kubeadm.cluster).toBeUndefined();
  });

  it('names the file, the document and the field of a kubeadm config error, inline or referenced', async () => {
    expect(
      await refusal({ 'cluster.yaml': inline('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking: {podSubnet: 10.244.0.0/33}') }),
    ).toMatch(/cluster\.yaml \(spec\.kubeadm\): ClusterConfiguration: networking\.podSubnet: .*10\.244\.0\.0\/33/);
    expect(await refusal({ 'cluster.yaml': inline('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworkin: {}') })).toMatch(
      /ClusterConfiguration: networkin: unknown field "networkin"; did you mean "networking"\?/,
    );
    expect(
      await refusal({
        'cluster.yaml': header() + '  kubeadmConfig: kubeadm.yaml\n',
        'kubeadm.yaml': 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: 7\n',
      }),
    ).toMatch(/kubeadm\.yaml: KubeletConfiguration: cgroupDriver: /);
    expect(await refusal({ 'cluster.yaml': header() + '  kubeadmConfig: missing.yaml\n' })).toMatch(
      /cluster\.yaml: spec\.kubeadmConfig ".*missing\.yaml": cannot read the config file: ENOENT/,
    );
  });

  it('refuses per-host settings in the shared documents: the hosts say them', async () => {
    expect(await refusal({ 'cluster.yaml': inline('apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration: {name: cp-9}') })).toMatch(
      /InitConfiguration: nodeRegistration\.name: not set in the cluster file's kubeadm configuration/,
    );
    expect(
      await refusal({
        'cluster.yaml': inline(
          'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery: {bootstrapToken: {apiServerEndpoint: "10.0.0.1:6443", token: abcdef.0123456789abcdef, unsafeSkipCAVerification: true}}',
        ),
      }),
    ).toMatch(/JoinConfiguration: discovery: .*bootstrap token for each run/);
  });

  it('refuses both forms at once, a file without a control-plane host, and two hosts of one name', async () => {
    expect(
      await refusal({
        'cluster.yaml': inline('apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration').replace('  kubeadm:', '  kubeadmConfig: k.yaml\n  kubeadm:'),
      }),
    ).toMatch(/cluster\.yaml: Cluster: spec\.kubeadmConfig: give the kubeadm configuration once/);
    expect(await refusal({ 'cluster.yaml': header('  hosts:\n    - {name: w-1, role: worker, ssh: {address: 10.0.0.2}}') })).toMatch(
      /cluster\.yaml: Cluster: spec\.hosts: no host has role control-plane/,
    );
    expect(
      await refusal({
        'cluster.yaml': header(
          '  hosts:\n    - {name: n-1, role: control-plane, ssh: {address: 10.0.0.1}}\n    - {name: n-1, role: worker, ssh: {address: 10.0.0.2}}',
        ),
      }),
    ).toMatch(/cluster\.yaml: Cluster: spec\.hosts\[1\]: "n-1" is listed twice/);
  });
});
