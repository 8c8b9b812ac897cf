import { describe, expect, it } from 'vitest';
import type { NodeFacts } from '../../../src/manifests/static-pods.js';
import { storedClusterConfiguration, upgradeConfig } from '../../../src/config/stored.js';
import { desiredManifests, etcdMembersOf } from '../../../src/node/static-pods.js';
import { ADVERTISE, initConfig, NODE, stateOf } from './support.js';

const FACTS: NodeFacts = { presentCADirs: ['/etc/ca-certificates'], proxyEnv: [], externalCA: false };
const identity = { name: NODE, controlPlane: true, advertiseAddress: ADVERTISE, bindPort: 6443 };

describe('the configuration an upgrade rebuilds from the cluster', () => {
  it('gives the very manifests init wrote when the version stays: an upgrade to the same version changes nothing', () => {
    const cfg = initConfig('v1.36.3', (c) => {
      c.cluster.apiServer.extraArgs = [{ name: 'audit-log-maxage', value: '7' }];
      c.cluster.networking.podSubnet = '10.244.0.0/16';
    });
    const rebuilt = upgradeConfig(stateOf(cfg).configTexts, identity, 'v1.36.3', []);
    const before = desiredManifests(cfg, FACTS, { etcd: true });
    const after = desiredManifests(rebuilt, FACTS, { etcd: true });
    expect(after.map((m) => m.text)).toEqual(before.map((m) => m.text));
  });

  it("changes only the images for a new version (etcd to the new minor's etcd)", () => {
    const cfg = initConfig('v1.36.3');
    const before = desiredManifests(cfg, FACTS, { etcd: true });
    const after = desiredManifests(upgradeConfig(stateOf(cfg).configTexts, identity, '1.37.1', []), FACTS, { etcd: true });
    for (const [i, m] of after.entries()) {
      const changed = m.text.split('\n').filter((line, j) => line !== before[i].text.split('\n')[j]);
      expect(changed, m.component).toEqual([`      image: registry.k8s.io/${m.component}:${m.component === 'etcd' ? '3.7.0-0' : 'v1.37.1'}`]);
    }
  });

  it('leaves etcd out when asked, and reads the stored version', () => {
    const cfg = initConfig('v1.36.3');
    expect(desiredManifests(cfg, FACTS, { etcd: false }).map((m) => m.component)).toEqual(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
    expect(storedClusterConfiguration(stateOf(cfg).configTexts).kubernetesVersion).toBe('v1.36.3');
  });

  it('names the ConfigMap when the stored configuration is broken', () => {
    const state = stateOf(initConfig());
    expect(() =>
      upgradeConfig(
        { ...state.configTexts, cluster: 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking: 3\n' },
        identity,
        'v1.37.1',
        [],
      ),
    ).toThrow(/ConfigMap kube-system\/kubeadm-config.*networking/);
  });
});

describe('etcd members', () => {
  it('keeps the member list of a joined member, none for the first', () => {
    const cfg = initConfig();
    const [first] = desiredManifests(cfg, FACTS, { etcd: true });
    expect(etcdMembersOf(first.pod)).toEqual([]);
    const joined = structuredClone(first.pod);
    joined.spec.containers[0].command.push('--initial-cluster=cp-0=https://192.0.2.9:2380,cp-1=https://192.0.2.10:2380', '--initial-cluster-state=existing');
    expect(etcdMembersOf(joined)).toEqual([
      { name: 'cp-0', peerURL: 'https://192.0.2.9:2380' },
      { name: 'cp-1', peerURL: 'https://192.0.2.10:2380' },
    ]);
    const [upgraded] = desiredManifests(cfg, FACTS, { etcd: true, currentEtcd: joined });
    expect(upgraded.pod.spec.containers[0].command).toContain('--initial-cluster-state=existing');
  });
});
