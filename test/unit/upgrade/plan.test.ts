import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../../src/commands/upgrade/plan-output.js';
import { nodeTarget, planUpgrade, RefusedUpgrade } from '../../../src/commands/upgrade/plan.js';
import { initConfig, stateOf } from './support.js';
import { corefile } from '../../../src/addons/coredns.js';

const KNOWN = ['v1.36.3', 'v1.37.1'];

describe('upgrade plan', () => {
  it('offers the next minor with every component before and after, kubelets per node', () => {
    const plan = planUpgrade({ state: stateOf(initConfig('v1.36.3'), { workers: ['w-1'] }), known: KNOWN });
    expect(plan).toMatchObject({ apiVersion: 'output.kubeadm.k8s.io/v1alpha3', kind: 'UpgradePlan', clusterVersion: 'v1.36.3' });
    expect(plan.availableUpgrades).toHaveLength(1);
    const [upgrade] = plan.availableUpgrades!;
    expect(upgrade).toMatchObject({ description: 'Upgrade to the latest stable version', version: 'v1.37.1' });
    expect(upgrade.components).toEqual([
      { name: 'kubelet', currentVersion: 'v1.36.3', newVersion: 'v1.37.1', nodeName: 'cp-1' },
      { name: 'kubelet', currentVersion: 'v1.36.3', newVersion: 'v1.37.1', nodeName: 'w-1' },
      { name: 'kube-apiserver', currentVersion: 'v1.36.3', newVersion: 'v1.37.1', nodeName: 'cp-1' },
      { name: 'kube-controller-manager', currentVersion: 'v1.36.3', newVersion: 'v1.37.1', nodeName: 'cp-1' },
      { name: 'kube-scheduler', currentVersion: 'v1.36.3', newVersion: 'v1.37.1', nodeName: 'cp-1' },
      { name: 'kube-proxy', currentVersion: 'v1.36.3', newVersion: 'v1.37.1' },
      { name: 'CoreDNS', currentVersion: 'v1.14.2', newVersion: 'v1.14.6' },
      { name: 'etcd', currentVersion: '3.6.8-0', newVersion: '3.7.0-0', nodeName: 'cp-1' },
    ]);
    expect(plan.configVersions).toEqual([
      { group: 'kubeproxy.config.k8s.io', currentVersion: 'v1alpha1', preferredVersion: 'v1alpha1' },
      { group: 'kubelet.config.k8s.io', currentVersion: 'v1beta1', preferredVersion: 'v1beta1' },
    ]);
    expect(nodeTarget(plan)).toBe('v1.37.1');
  });

  it('leaves out addons the cluster turned off, and a configured etcd image', () => {
    const cfg = initConfig('v1.36.3', (c) => {
      c.cluster.dns.disabled = true;
      c.cluster.etcd.local!.imageTag = '3.6.99-0';
    });
    const names = planUpgrade({ state: stateOf(cfg), known: KNOWN }).availableUpgrades![0].components.map((c) => `${c.name}:${c.newVersion}`);
    expect(names).not.toContainEqual(expect.stringMatching(/^CoreDNS/));
    expect(names).toContain('etcd:3.6.99-0');
  });

  it('refuses a requested version with the rules that forbid it', () => {
    const state = stateOf(initConfig('v1.36.3'));
    const refusal = (() => {
      try {
        planUpgrade({ state, requested: 'v1.36.1', known: KNOWN });
      } catch (err) {
        return err;
      }
    })();
    expect(refusal).toBeInstanceOf(RefusedUpgrade);
    expect((refusal as RefusedUpgrade).violations.map((v) => v.rule)).toEqual(['no-downgrade']);
    expect(planUpgrade({ state, requested: 'v1.37.9', known: KNOWN, overrides: new Set(['--force']) }).availableUpgrades![0].version).toBe('v1.37.9');
  });

  it('has nothing for the control plane at the newest release, and lists kubelets still behind', () => {
    const plan = planUpgrade({ state: stateOf(initConfig('v1.37.1'), { workers: ['w-1'], kubelet: 'v1.36.3' }), known: KNOWN });
    expect(plan.availableUpgrades).toBeUndefined();
    expect(plan.nodeUpgrades?.map((n) => n.nodeName)).toEqual(['cp-1', 'w-1']);
    expect(nodeTarget(plan)).toBe('v1.37.1');
    expect(formatPlan(plan, 'text', '0.1.0')).toContain('there is nothing to upgrade');
  });

  it('prints kubeadm-style tables, JSON and YAML of the same object', () => {
    const plan = planUpgrade({ state: stateOf(initConfig('v1.36.3')), known: KNOWN });
    const text = formatPlan(plan, 'text', '0.1.0');
    expect(text).toContain('COMPONENT                 NODE   CURRENT   TARGET\nkube-apiserver            cp-1   v1.36.3   v1.37.1\n');
    expect(text).toContain('\tbosun upgrade apply v1.37.1');
    expect(JSON.parse(formatPlan(plan, 'json', '0.1.0'))).toEqual(plan);
    expect(formatPlan(plan, 'yaml', '0.1.0')).toMatch(/^apiVersion: output.kubeadm.k8s.io\/v1alpha3\nkind: UpgradePlan\n/);
  });

  it('says what the CoreDNS upgrade does to the Corefile: kept, replaced or migrated notice by notice, or why it cannot be', () => {
    const cfg = initConfig('v1.36.3');
    const corefileOf = (text: string | undefined, coreDNS = 'v1.14.2') => {
      const state = { ...stateOf(cfg), coreDNS: { image: `registry.k8s.io/coredns/coredns:${coreDNS}`, version: coreDNS }, coreDNSCorefile: text };
      return planUpgrade({ state, known: KNOWN }).availableUpgrades![0].corefile;
    };
    expect(corefileOf(corefile('cluster.local'))).toEqual(['default Corefile: kept (already the new default)']);
    expect(corefileOf('.:53 {\n    forward . 10.0.0.53\n}\n', 'v1.6.9')).toEqual([
      'migrated',
      'Option "max_concurrent" in plugin "forward" is added as a default in 1.7.0.',
    ]);
    expect(corefileOf('.:53 {\n    forward . 10.0.0.53\n}\n', 'latest')).toEqual([expect.stringMatching(/^cannot be migrated .*"latest"/)]);
    const text = formatPlan(
      planUpgrade({
        state: { ...stateOf(cfg), coreDNS: { image: 'c:v1.6.9', version: 'v1.6.9' }, coreDNSCorefile: '.:53 {\n    forward . 10.0.0.53\n}\n' },
        known: KNOWN,
      }),
      'text',
      'v0',
    );
    expect(text).toContain('CoreDNS Corefile: migrated\n  Option "max_concurrent" in plugin "forward" is added as a default in 1.7.0.\n');
  });

  it('shows the kube-dns → CoreDNS swap an upgrade of a kube-dns cluster makes', () => {
    const state = {
      ...stateOf(initConfig('v1.36.3')),
      coreDNS: undefined,
      kubeDNS: { image: 'registry.k8s.io/dns/k8s-dns-kube-dns:1.17.3', version: '1.17.3' },
    };
    const [upgrade] = planUpgrade({ state, known: KNOWN }).availableUpgrades!;
    expect(upgrade.components).toContainEqual({ name: 'CoreDNS', currentVersion: 'kube-dns 1.17.3', newVersion: 'v1.14.6' });
    expect(upgrade.corefile).toEqual([expect.stringMatching(/^translated from ConfigMap kube-system\/kube-dns \(kube-dns → CoreDNS/)]);
  });
});
