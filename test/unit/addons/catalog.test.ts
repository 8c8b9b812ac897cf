import { describe, expect, it } from 'vitest';
import { ADDONS, addonNamed } from '../../../src/addons/catalog.js';
import { kubeProxyAddonDefinition } from '../../../src/addons/kube-proxy-addon.js';
import { settingsProblems } from '../../../src/addons/settings.js';
import { buildInitConfig } from '../../../src/config/resolve.js';
import { readConfigText } from '../../../src/config/read.js';
import { kubeProxyWithDefaults } from '../../../src/config/defaults.js';
import type { AddonRequest, KubeProxyConfiguration } from '../../../src/config/types.js';
import { kubeadmConfigObjects } from '../../../src/config/uploaded.js';
import { storedInitConfig } from '../../../src/addons/cluster-input.js';
import { FakeCluster } from './fake-cluster.js';
import { initPhases } from '../../../src/commands/init/phases.js';
import { addonPhase } from '../../../src/commands/init/phases/addon.js';
import type { InitContext } from '../../../src/commands/init/context.js';
import { manifests } from './addon-support.js';
import { phasePaths } from '../../../src/workflow/phase.js';

function initConfig() {
  const cfg = buildInitConfig(undefined, {});
  cfg.init.localAPIEndpoint.advertiseAddress = '10.0.0.1';
  return cfg;
}

describe('the addon catalog', () => {
  it('has every addon of the issue, essential ones first', () => {
    expect(ADDONS.map((a) => [a.name, a.essential])).toEqual([
      ['coredns', true],
      ['kube-proxy', true],
      ['flannel', false],
      ['calico', false],
      ['kube-proxy-windows', false],
      ['nodelocaldns', false],
    ]);
  });

  it('refuses an unknown name with the list', () => {
    expect(addonNamed('kube-proxy')).toBe(kubeProxyAddonDefinition);
    expect(() => addonNamed('weave')).toThrow(
      'addon: unknown addon "weave"; expected one of coredns, kube-proxy, flannel, calico, kube-proxy-windows, nodelocaldns',
    );
  });

  it('refuses settings an addon does not take, and bad values', () => {
    expect(settingsProblems(addonNamed('kube-proxy'), { mode: 'operator', windows: false })).toEqual([
      { setting: 'mode', problem: 'addon kube-proxy takes no such setting (only calico does)' },
    ]);
    expect(settingsProblems(addonNamed('calico'), { mode: 'helm' })).toEqual([
      { setting: 'mode', problem: '"helm" is not a Calico install mode; expected one of operator, manifest' },
    ]);
    expect(settingsProblems(addonNamed('nodelocaldns'), { localDNS: '169.254.20.300' })[0].problem).toMatch(/is not an IP address/);
    expect(settingsProblems(addonNamed('kube-proxy'), { version: 'v1.2.3' })[0].problem).toMatch(
      /"v1.2.3" is not a version bosun has for kube-proxy; expected one of v1.36.3/,
    );
    expect(settingsProblems(addonNamed('kube-proxy'), { version: '1.37.1' })).toEqual([]);
  });
});

describe('kube-proxy in the catalog', () => {
  it('plans kubeadm’s objects at the cluster’s version, then waits for the DaemonSet', async () => {
    const cluster = new FakeCluster();
    const plan = await kubeProxyAddonDefinition.plan({ config: initConfig(), cluster: cluster.asCluster(), settings: {}, windowsNodes: false, manifests });
    expect(plan.version).toBe('v1.37.1');
    expect(plan.actions.map((a) => (a.action === 'apply' ? `${a.object.kind} ${a.object.metadata.name}` : a.action))).toEqual([
      'ConfigMap kube-proxy',
      'DaemonSet kube-proxy',
      'ServiceAccount kube-proxy',
      'ClusterRoleBinding kubeadm:node-proxier',
      'Role kube-proxy',
      'RoleBinding kube-proxy',
      'wait-rollout',
    ]);
    const ds = plan.actions.find((a) => a.action === 'apply' && a.object.kind === 'DaemonSet');
    if (ds?.action !== 'apply') throw new Error('no DaemonSet');
    expect(await kubeProxyAddonDefinition.installedVersion(cluster.asCluster())).toBeUndefined();
    cluster.put(ds.object);
    expect(await kubeProxyAddonDefinition.installedVersion(cluster.asCluster())).toBe('v1.37.1');
  });

  it('rebuilt from what the cluster stored, plans the same objects: a re-install changes nothing', async () => {
    const cfg = initConfig();
    cfg.kubeProxy = kubeProxyWithDefaults({ clientConnection: { qps: 7 } } as Partial<KubeProxyConfiguration>, cfg.cluster);
    const cluster = new FakeCluster();
    for (const object of kubeadmConfigObjects(cfg.cluster)) cluster.put(object);
    cluster.put({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default' },
      endpoints: [{ addresses: ['10.0.0.1'] }],
      ports: [{ port: 6443 }],
    });
    const objects = async (config: typeof cfg) =>
      (await kubeProxyAddonDefinition.plan({ config, cluster: cluster.asCluster(), settings: {}, windowsNodes: false, manifests })).actions.flatMap((a) =>
        a.action === 'apply' ? [a.object] : [],
      );
    const first = await objects(cfg);
    cluster.put(first[0]);
    const again = await objects(await storedInitConfig(cluster.asCluster(), []));
    expect(again).toEqual(first);
  });

  it('refuses another version than the control plane’s', async () => {
    const input = { config: initConfig(), cluster: new FakeCluster().asCluster(), settings: { version: 'v1.36.3' }, windowsNodes: false, manifests };
    await expect(kubeProxyAddonDefinition.plan(input)).rejects.toThrow(/version: "v1.36.3" is not the cluster's Kubernetes version; expected v1.37.1 or none/);
  });
});

describe('AddonConfiguration in a config file', () => {
  const file = (addons: string) =>
    `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n---\napiVersion: bosun.dev/v1alpha1\nkind: AddonConfiguration\n${addons}`;

  it('reads the addons init installs, in order, into the resolved config', () => {
    const read = readConfigText(file('addons:\n- {name: flannel, windows: true}\n- {name: nodelocaldns, localDNS: 169.254.20.10}\n'), 'init.yaml');
    expect(read.addons).toEqual([
      { name: 'flannel', windows: true },
      { name: 'nodelocaldns', localDNS: '169.254.20.10' },
    ]);
    expect(buildInitConfig(read, {}).addons).toEqual(read.addons);
  });

  it('names the file, document and field of every problem', () => {
    const problems = (addons: string) => {
      try {
        readConfigText(file(addons), 'init.yaml');
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(problems('addons:\n- {name: weave}\n')).toMatch(
      /init\.yaml: AddonConfiguration: addons\[0\]\.name: "weave" is not an addon bosun knows; expected one of coredns/,
    );
    expect(problems('addons:\n- {name: calico, mode: helm}\n')).toMatch(/addons\[0\]\.mode: "helm" is not a Calico install mode/);
    expect(problems('addons:\n- {name: flannel}\n- {name: flannel}\n')).toMatch(/addons\[1\]\.name: "flannel" is listed twice \(also at 0\)/);
    expect(problems('addons:\n- {name: flannel, vni: 4096}\n')).toMatch(/addons\[0\]/);
    expect(problems('addons:\n- {name: kube-proxy, windows: true}\n')).toMatch(/addons\[0\]\.windows: addon kube-proxy takes no such setting/);
    expect(() => readConfigText('apiVersion: bosun.dev/v1alpha1\nkind: Addons\naddons: []\n', 'init.yaml')).toThrow(
      'init.yaml: Addons: kind: "Addons" is not a bosun.dev/v1alpha1 kind of a config file; expected AddonConfiguration',
    );
  });
});

describe("init's addon phase", () => {
  it('has one subphase per catalog addon; the non-essential ones run only when the AddonConfiguration lists them', async () => {
    expect(phasePaths(initPhases).filter((p) => p.startsWith('addon/'))).toEqual(ADDONS.map((a) => `addon/${a.name}`));
    const flannel = addonPhase.phases!.find((p) => p.name === 'flannel')!;
    const ctx = (addons?: AddonRequest[]) => ({ cfg: { ...initConfig(), ...(addons && { addons }) } }) as InitContext;
    expect(await flannel.runIf!(ctx())).toBe(false);
    expect(await flannel.runIf!(ctx([{ name: 'flannel', windows: true }]))).toBe(true);
    expect(addonPhase.phases!.find((p) => p.name === 'kube-proxy')!.runIf).toBeUndefined();
  });
});
