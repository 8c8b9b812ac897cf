import { describe, expect, it } from 'vitest';
import { componentConfigHash, hasValidSignature, signConfigMap } from '../../../src/addons/component-config.js';
import { fillTemplate, nodeLocalDNSAddon } from '../../../src/addons/nodelocaldns.js';
import type { DaemonSet } from '../../../src/addons/workloads.js';
import { configMap, type ConfigMap } from '../../../src/kube/objects.js';
import { parseYaml } from '../../../src/util/yaml.js';
import { addonInput, applied, find } from './addon-support.js';

const args = (objects: ReturnType<typeof applied>) => find<DaemonSet>(objects, 'DaemonSet', 'node-local-dns').spec.template.spec.containers[0].args;
const corefile = (objects: ReturnType<typeof applied>) => find<ConfigMap>(objects, 'ConfigMap', 'node-local-dns').data.Corefile;
const kubelet = (clusterDNS: string[]) =>
  signConfigMap(
    configMap('kube-system', 'kubelet-config', {
      kubelet: `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n- ${clusterDNS[0]}\n`,
    }),
  );

describe('nodelocaldns addon', () => {
  it('with iptables: listens on the local address and kube-dns’s, learns the cluster DNS at run time', async () => {
    const plan = await nodeLocalDNSAddon.plan(addonInput({ serviceCidr: '10.100.0.0/16', serviceDnsDomain: 'corp.local' }));
    const objects = applied(plan.actions);
    expect(plan.version).toBe('1.26.7');
    expect(args(objects)).toEqual(['-localip', '169.254.20.10,10.100.0.10', '-conf', '/etc/Corefile', '-upstreamsvc', 'kube-dns-upstream']);
    expect(corefile(objects)).toContain('corp.local:53 {');
    expect(corefile(objects)).toContain('bind 169.254.20.10 10.100.0.10\n');
    expect(corefile(objects)).toContain('forward . __PILLAR__CLUSTER__DNS__ {');
    expect(corefile(objects)).toContain('health 169.254.20.10:8080');
    expect(objects.map((o) => o.metadata.name)).not.toContain('kubelet-config');
    expect(JSON.stringify(objects)).not.toMatch(/__PILLAR__(LOCAL__DNS|DNS__SERVER|DNS__DOMAIN)__/);
  });

  it('with IPVS: forwards to kube-dns, binds only the local address, and moves the kubelets’ clusterDNS', async () => {
    const input = addonInput({}, { kubeProxyMode: 'ipvs', settings: { localDNS: '169.254.0.53' }, objects: [kubelet(['10.96.0.10'])] });
    const plan = await nodeLocalDNSAddon.plan(input);
    const objects = applied(plan.actions);
    expect(args(objects)?.[1]).toBe('169.254.0.53');
    expect(corefile(objects)).toContain('bind 169.254.0.53\n');
    expect(corefile(objects)).toContain('forward . 10.96.0.10 {');
    expect(corefile(objects)).not.toContain('__PILLAR__DNS__SERVER__');

    const cm = find<ConfigMap>(objects, 'ConfigMap', 'kubelet-config');
    expect(parseYaml(cm.data.kubelet)).toMatchObject({ clusterDNS: ['169.254.0.53'] });
    expect(hasValidSignature(cm)).toBe(true);
    expect(cm.metadata.annotations?.['kubeadm.kubernetes.io/component-config.hash']).toBe(componentConfigHash(cm.data));
    expect(plan.notes.join('\n')).toMatch(/bosun upgrade node/);
  });

  it('with IPVS leaves an operator-edited kubelet-config unsigned, and one already pointing at the cache alone', async () => {
    const edited = {
      ...kubelet(['10.96.0.10']),
      metadata: { name: 'kubelet-config', namespace: 'kube-system', annotations: { 'kubeadm.kubernetes.io/component-config.hash': 'sha256:0' } },
    };
    const changed = find<ConfigMap>(
      applied((await nodeLocalDNSAddon.plan(addonInput({}, { kubeProxyMode: 'ipvs', objects: [edited] }))).actions),
      'ConfigMap',
      'kubelet-config',
    );
    expect(changed.metadata.annotations).toBeUndefined();
    const done = await nodeLocalDNSAddon.plan(addonInput({}, { kubeProxyMode: 'ipvs', objects: [kubelet(['169.254.20.10'])] }));
    expect(applied(done.actions).map((o) => o.metadata.name)).not.toContain('kubelet-config');
  });

  it('writes an IPv6 health address in brackets, and refuses a local address that is not an IP', async () => {
    expect(fillTemplate('health __PILLAR__LOCAL__DNS__:8080', { localDNS: 'fd00::53', dnsServer: 'fd00::a', dnsDomain: 'cluster.local', ipvs: false })).toBe(
      'health [fd00::53]:8080',
    );
    await expect(nodeLocalDNSAddon.plan(addonInput({}, { settings: { localDNS: 'local' } }))).rejects.toThrow(/--local-dns local: expected an IP address/);
  });
});
