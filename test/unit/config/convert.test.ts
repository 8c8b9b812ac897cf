import { describe, expect, it } from 'vitest';
import { argsFromMap } from '../../../src/config/convert.js';
import { migratedYaml } from '../../../src/commands/config/documents.js';
import { readConfigText } from '../../../src/config/read.js';
import { dataText, resolveText } from './support.js';

describe('v1beta3 -> v1beta4', () => {
  it('turns extra-args maps into lists sorted by name', () => {
    expect(argsFromMap({ v: '2', 'audit-log-path': '/a', b: '' })).toEqual([
      { name: 'audit-log-path', value: '/a' },
      { name: 'b', value: '' },
      { name: 'v', value: '2' },
    ]);
  });

  it('converts a realistic v1beta3 file to the expected v1beta4 (kubeadm config migrate)', () => {
    const file = readConfigText(dataText('v1beta3.yaml'), 'v1beta3.yaml');
    expect(migratedYaml(file)).toBe(dataText('v1beta3-migrated.yaml'));
  });

  it('resolves a v1beta3 file like its migrated form', () => {
    const old = resolveText(dataText('v1beta3.yaml'));
    const migrated = resolveText(dataText('v1beta3-migrated.yaml'));
    expect(old).toEqual(migrated);
    expect(old.init.timeouts?.controlPlaneComponentHealthCheck).toBe('8m0s');
    expect(old.cluster.apiServer.extraArgs).toEqual([
      { name: 'audit-log-path', value: '/var/log/audit.log' },
      { name: 'enable-admission-plugins', value: 'NodeRestriction,PodSecurity' },
    ]);
    expect(old.init.nodeRegistration.imagePullSerial).toBe(true);
    expect(old.cluster.etcd.local?.extraArgs?.map((a) => a.name)).toEqual(['auto-compaction-retention', 'quota-backend-bytes']);
  });

  it('keeps the default control-plane timeout when v1beta3 said 0 or the default, and moves external etcd endpoints', () => {
    const doc = (timeout: string) =>
      `apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer: {timeoutForControlPlane: ${timeout}}\netcd: {external: {endpoints: ["https://e:2379"], caFile: /ca, certFile: /c, keyFile: /k}}\n`;
    expect(resolveText(doc('0s')).init.timeouts?.controlPlaneComponentHealthCheck).toBe('4m0s');
    expect(resolveText(doc('4m')).init.timeouts?.controlPlaneComponentHealthCheck).toBe('4m0s');
    expect(resolveText(doc('0s')).cluster.etcd.external?.httpEndpoints).toEqual(['https://e:2379']);
  });

  it('moves discovery.timeout to timeouts.discovery for joins', () => {
    expect(migratedYaml(readConfigText(dataText('join-v1beta3.yaml'), 'join.yaml'))).toContain('  discovery: 10m0s\n');
  });

  it('refuses v1beta4-only fields in a v1beta3 document', () => {
    expect(() => readConfigText('apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nencryptionAlgorithm: RSA-2048\n', 'old.yaml')).toThrow(
      'old.yaml: ClusterConfiguration: encryptionAlgorithm: unknown field "encryptionAlgorithm"',
    );
  });
});
