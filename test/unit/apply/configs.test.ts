import { describe, expect, it } from 'vitest';
import { apiServerEndpoint, hostFacts, initConfigFor, joinConfigFor } from '../../../src/commands/apply/configs.js';
import type { Machine } from '../../../src/host/machine.js';
import { parseClusterFile } from '../../../src/inventory/cluster.js';

const machine = (hostname: string) => ({ hostname: () => hostname }) as Machine;
const secrets = { token: 'abcdef.0123456789abcdef' };

async function cluster(cpAddress: string, endpoint?: string) {
  const text = [
    'apiVersion: bosun.dev/v1alpha1',
    'kind: Cluster',
    'spec:',
    '  hosts:',
    `    - {name: cp-1, role: control-plane, ssh: {address: ${cpAddress}}}`,
    '    - {name: w-1, role: worker, ssh: {address: w-1.example.com}}',
    ...(endpoint ? ['  kubeadm:', `    - {apiVersion: kubeadm.k8s.io/v1beta4, kind: ClusterConfiguration, controlPlaneEndpoint: "${endpoint}"}`] : []),
  ].join('\n');
  const def = await parseClusterFile(text, 'cluster.yaml', () => Promise.reject(new Error('no referenced file')));
  const [cp, worker] = def.hosts;
  return { def, cp, worker };
}

describe("each host's kubeadm configuration", () => {
  it('a control-plane host reached at an IP address advertises it; the workers find the API server there', async () => {
    const { def, cp, worker } = await cluster('10.0.0.1');
    const facts = hostFacts(cp, machine('cp-1'));
    expect(initConfigFor(def, cp, facts, secrets).init.localAPIEndpoint.advertiseAddress).toBe('10.0.0.1');
    const endpoint = apiServerEndpoint(def, cp, facts);
    expect(endpoint).toBe('10.0.0.1:6443');
    // A worker reached by name needs no address of its own.
    const join = joinConfigFor(def, worker, hostFacts(worker, machine('w-1')), secrets, { endpoint, caCertHash: `sha256:${'0'.repeat(64)}` });
    expect(join.join.nodeRegistration.name).toBe('w-1');
  });

  it('a control-plane host reached by name is refused before any host changes, naming the host and its ssh.address', async () => {
    const { def, cp } = await cluster('cp-1.example.com', 'api.example.com:6443');
    expect(() => initConfigFor(def, cp, hostFacts(cp, machine('cp-1')), secrets)).toThrow(
      /^host cp-1: ssh\.address: "cp-1\.example\.com" is a name, but its API server advertises an IP address/,
    );
    const bare = await cluster('cp-1.example.com');
    expect(() => apiServerEndpoint(bare.def, bare.cp, hostFacts(bare.cp, machine('cp-1')))).toThrow(/^host cp-1: ssh\.address: /);
  });
});

describe("the cluster file's addons", () => {
  const file = (addons: string) =>
    [
      'apiVersion: bosun.dev/v1alpha1',
      'kind: Cluster',
      'spec:',
      '  hosts:',
      '    - {name: cp-1, role: control-plane, ssh: {address: 10.0.0.1}}',
      '  addons:',
      addons,
    ].join('\n');
  const parse = (text: string) => parseClusterFile(text, 'cluster.yaml', () => Promise.reject(new Error('no referenced file')));

  it('are read in order, with their settings', async () => {
    expect((await parse(file('    - {name: flannel, windows: true}\n    - {name: kube-proxy}'))).addons).toEqual([
      { name: 'flannel', windows: true },
      { name: 'kube-proxy' },
    ]);
  });

  it('are checked against the catalog, naming the field', async () => {
    await expect(parse(file('    - {name: weave}'))).rejects.toThrow(/^cluster\.yaml: Cluster: spec\.addons\[0\]\.name: "weave" is not an addon bosun knows/);
    await expect(parse(file('    - {name: nodelocaldns, localDNS: nope}'))).rejects.toThrow(/spec\.addons\[0\]\.localDNS: "nope" is not an IP address/);
  });
});
