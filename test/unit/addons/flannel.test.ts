import { describe, expect, it } from 'vitest';
import { flannelAddon, netConf } from '../../../src/addons/flannel/index.js';
import { kubeProxyWindowsAddon } from '../../../src/addons/kube-proxy-windows.js';
import type { DaemonSet } from '../../../src/addons/workloads.js';
import { UserError } from '../../../src/errors.js';
import type { ConfigMap } from '../../../src/kube/objects.js';
import { addonInput, applied, find } from './addon-support.js';

const UPSTREAM = '{\n  "Network": "10.244.0.0/16",\n  "EnableNFTables": false,\n  "Backend": {\n    "Type": "vxlan"\n  }\n}\n';
const env = (ds: DaemonSet) => Object.fromEntries((ds.spec.template.spec.containers[0].env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

describe('flannel net-conf.json', () => {
  it('takes the pod subnet, and VNI 4096 on port 4789 for Windows', () => {
    expect(JSON.parse(netConf(UPSTREAM, { ipv4: '10.32.0.0/16' }, false))).toEqual({
      Network: '10.32.0.0/16',
      EnableNFTables: false,
      Backend: { Type: 'vxlan' },
    });
    expect(JSON.parse(netConf(UPSTREAM, { ipv4: '10.32.0.0/16' }, true)).Backend).toEqual({ Type: 'vxlan', VNI: 4096, Port: 4789 });
  });

  it('carries dual-stack and IPv6-only subnets in flannel’s own fields', () => {
    expect(JSON.parse(netConf(UPSTREAM, { ipv4: '10.244.0.0/16', ipv6: 'fd00:10:244::/56' }, false))).toMatchObject({
      Network: '10.244.0.0/16',
      EnableIPv6: true,
      IPv6Network: 'fd00:10:244::/56',
    });
    const v6 = JSON.parse(netConf(UPSTREAM, { ipv6: 'fd00:10:244::/56' }, false));
    expect(v6).toMatchObject({ EnableIPv4: false, EnableIPv6: true });
    expect(v6.Network).toBeUndefined();
  });
});

describe('flannel addon', () => {
  it('is refused without a pod subnet, naming networking.podSubnet', async () => {
    const plan = flannelAddon.plan(addonInput({}));
    await expect(plan).rejects.toThrow(UserError);
    await expect(plan).rejects.toThrow(/networking\.podSubnet/);
  });

  it('applies upstream’s objects, namespace first, the ConfigMap with the pod subnet', async () => {
    const plan = await flannelAddon.plan(addonInput({ podNetworkCidr: '10.32.0.0/16' }));
    expect(plan.version).toBe('v0.28.10');
    const objects = applied(plan.actions);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/kube-flannel',
      'ClusterRole/flannel',
      'ClusterRoleBinding/flannel',
      'ServiceAccount/flannel',
      'ConfigMap/kube-flannel-cfg',
      'DaemonSet/kube-flannel-ds',
    ]);
    const cm = find<ConfigMap>(objects, 'ConfigMap', 'kube-flannel-cfg');
    expect(JSON.parse(cm.data['net-conf.json'])).toEqual({ Network: '10.32.0.0/16', EnableNFTables: false, Backend: { Type: 'vxlan' } });
    expect(cm.data['cni-conf.json']).toContain('"portmap"');
    expect(find<DaemonSet>(objects, 'DaemonSet', 'kube-flannel-ds').spec.template.spec.containers[0].image).toBe('ghcr.io/flannel-io/flannel:v0.28.10');
  });

  it('deletes the kube-system DaemonSet of a flannel before v0.19.0 first, and says when net-conf.json needs flanneld restarted', async () => {
    const old = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kube-flannel-ds', namespace: 'kube-system' } };
    const current: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-flannel-cfg', namespace: 'kube-flannel' },
      data: { 'net-conf.json': '{"Network": "10.244.0.0/16", "EnableNFTables": false, "Backend": {"Type": "vxlan"}}' },
    };
    const plan = await flannelAddon.plan(addonInput({ podNetworkCidr: '10.244.0.0/16' }, { objects: [old, current], windowsNodes: true }));
    expect(plan.actions[0]).toMatchObject({ action: 'delete', ref: { kind: 'DaemonSet', namespace: 'kube-system', name: 'kube-flannel-ds' } });
    expect(plan.warnings).toEqual([expect.stringContaining('rollout restart daemonset/kube-flannel-ds')]);
    const same = await flannelAddon.plan(addonInput({ podNetworkCidr: '10.244.0.0/16' }, { objects: [current] }));
    expect(same.warnings).toEqual([]);
    expect(same.actions.every((a) => a.action === 'apply')).toBe(true);
  });

  it('refuses a version it has no manifests for', async () => {
    await expect(flannelAddon.plan(addonInput({ podNetworkCidr: '10.244.0.0/16' }, { settings: { version: 'v0.1.0' } }))).rejects.toThrow(/v0\.28\.10/);
  });

  for (const [why, opts] of [
    ['a Windows node', { windowsNodes: true }],
    ['--windows', { settings: { windows: true } }],
  ] as const) {
    it(`with ${why}: the Windows VXLAN settings and DaemonSets, filled from the cluster`, async () => {
      const input = addonInput({ podNetworkCidr: '10.244.0.0/16', serviceCidr: '10.100.0.0/16', controlPlaneEndpoint: 'cp.example:8443' }, opts);
      const objects = applied((await flannelAddon.plan(input)).actions);
      const cm = find<ConfigMap>(objects, 'ConfigMap', 'kube-flannel-cfg');
      expect(JSON.parse(cm.data['net-conf.json']).Backend).toEqual({ Type: 'vxlan', VNI: 4096, Port: 4789 });

      const cni = JSON.parse(find<ConfigMap>(objects, 'ConfigMap', 'kube-flannel-windows-cfg').data['cni-conf-containerd.json']);
      expect(cni.name).toBe('flannel.4096');
      expect(cni.delegate.AdditionalArgs.map((a: { Value: { Type: string; Settings: unknown } }) => [a.Value.Type, a.Value.Settings])).toEqual([
        ['OutBoundNAT', { Exceptions: ['10.100.0.0/16', '10.244.0.0/16'] }],
        ['SDNROUTE', { DestinationPrefix: '10.100.0.0/16', NeedEncap: true }],
        ['ProviderAddress', { ProviderAddress: '__PROVIDER_ADDRESS__' }],
      ]);

      const flannel = find<DaemonSet>(objects, 'DaemonSet', 'kube-flannel-ds-windows-amd64');
      expect(flannel.metadata.namespace).toBe('kube-flannel');
      expect(flannel.spec.template.spec.securityContext).toEqual({ windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\system' } });
      expect(flannel.spec.template.spec.hostNetwork).toBe(true);
      expect(flannel.spec.template.spec.containers[0].image).toBe('sigwindowstools/flannel:v0.28.10-hostprocess');
      expect(env(flannel)).toMatchObject({ SERVICE_SUBNET: '10.100.0.0/16', KUBERNETES_SERVICE_HOST: 'cp.example', KUBERNETES_SERVICE_PORT: '8443' });

      const proxy = find<DaemonSet>(objects, 'DaemonSet', 'kube-proxy-windows');
      expect(proxy.metadata).toMatchObject({ namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy-windows' } });
      expect(proxy.spec.template.spec.containers[0].image).toBe('sigwindowstools/kube-proxy:v1.36.3-flannel-hostprocess');
      expect(proxy.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'windows' });
      expect(proxy.spec.template.spec.volumes).toEqual([{ name: 'kube-proxy', configMap: { name: 'kube-proxy' } }]);
      expect(env(proxy)).toMatchObject({ KUBE_NETWORK: 'flannel.4096' });
    });
  }
});

describe('kube-proxy-windows addon', () => {
  const kubeProxyConfig: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-proxy', namespace: 'kube-system' }, data: {} };

  it('renders the same DaemonSet flannel does, with kube-proxy’s ConfigMap as its configuration', async () => {
    const input = addonInput({ podNetworkCidr: '10.244.0.0/16' }, { objects: [kubeProxyConfig], windowsNodes: true });
    const alone = applied((await kubeProxyWindowsAddon.plan(input)).actions);
    const withFlannel = applied((await flannelAddon.plan(input)).actions);
    expect(alone).toEqual([find(withFlannel, 'DaemonSet', 'kube-proxy-windows')]);
  });

  it('picks Calico’s image variant on a Calico cluster', async () => {
    const operator = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'tigera-operator', namespace: 'tigera-operator' } };
    const input = addonInput({}, { objects: [kubeProxyConfig, operator] });
    const plan = await kubeProxyWindowsAddon.plan(input);
    const ds = applied(plan.actions)[0] as DaemonSet;
    expect(ds.spec.template.spec.containers[0].image).toBe('sigwindowstools/kube-proxy:v1.36.3-calico-hostprocess');
    expect(plan.warnings[0]).toMatch(/no Windows node/);
  });

  it('is refused without kube-proxy’s ConfigMap', async () => {
    await expect(kubeProxyWindowsAddon.plan(addonInput({}))).rejects.toThrow(/ConfigMap kube-system\/kube-proxy not found/);
  });
});
