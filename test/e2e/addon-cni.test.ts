/**
 * The CNI and DNS-cache addons against a real control plane (the sandbox's kube-apiserver and etcd): every object
 * of every addon's plan server-side applied through the Cluster door, as the addon engine does it, and then seen
 * by kubectl; Calico's CRDs Established and its Installation accepted; Flannel refused without a pod subnet before
 * anything exists, and on a cluster with a Windows (kwok) node carrying VNI 4096, port 4789 and the Windows
 * DaemonSets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonAction, AddonDefinition, AddonInput, AddonSettings } from '../../src/addons/addon.js';
import { calicoAddon } from '../../src/addons/calico/index.js';
import { flannelAddon } from '../../src/addons/flannel/index.js';
import { kubeProxyWindowsAddon } from '../../src/addons/kube-proxy-windows.js';
import { nodeLocalDNSAddon } from '../../src/addons/nodelocaldns.js';
import { hasValidSignature } from '../../src/addons/component-config.js';
import type { Cluster, KubeObject } from '../../src/cluster/cluster.js';
import { clusterFromKubeconfig } from '../../src/cluster/connect.js';
import { readConfigText } from '../../src/config/read.js';
import { buildInitConfig } from '../../src/config/resolve.js';
import type { InitConfig } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';
import { DirManifestSource } from '../../src/host/manifest-source.js';
import type { ConfigMap } from '../../src/kube/objects.js';
import { registerSimulatedNodes } from '../../src/sandbox/kwok.js';
import { sandboxPaths } from '../../src/sandbox/paths.js';
import { parseYaml } from '../../src/util/yaml.js';
import { startSandbox, type Sandbox } from '../support/sandbox.js';

const LONG = 600_000;
let sandbox: Sandbox;
let cluster: Cluster;
let config: InitConfig;
const manifests = new DirManifestSource();

type CRD = KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } };
const established = (crd: CRD | undefined) => Boolean(crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));

/** The addon engine's loop, kept here: apply with field manager bosun, wait for CRDs by watching them. */
async function run(actions: AddonAction[]): Promise<KubeObject[]> {
  const applied: KubeObject[] = [];
  for (const a of actions) {
    if (a.action === 'apply') applied.push(await cluster.apply(a.object));
    else if (a.action === 'wait-established') await cluster.watchUntil<CRD>(a.ref, established, a.timeoutSeconds * 1000);
    else throw new Error(`the CNI addons plan no ${a.action}`);
  }
  return applied;
}

async function input(settings: AddonSettings = {}, cfg = config): Promise<AddonInput> {
  const windows = await cluster.list('v1', 'Node', { labelSelector: 'kubernetes.io/os=windows' });
  return { config: cfg, cluster, settings, windowsNodes: windows.length > 0, manifests };
}

async function install(addon: AddonDefinition, settings: AddonSettings = {}): Promise<KubeObject[]> {
  return run((await addon.plan(await input(settings))).actions);
}

/** `kind.version.group/name` as kubectl takes it; kubectl prints back `kind.group/name`. */
function resource(o: KubeObject): string {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return `${o.kind.toLowerCase()}${group ? `.${version}.${group}` : ''}/${o.metadata.name}`;
}

const ids = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();

/** What kubectl finds of the objects, one call per namespace, as `Kind/namespace/name`. */
async function kubectlSees(objects: KubeObject[]): Promise<string[]> {
  const seen: string[] = [];
  for (const ns of new Set(objects.map((o) => o.metadata.namespace ?? ''))) {
    const names = objects.filter((o) => (o.metadata.namespace ?? '') === ns).map(resource);
    // One name prints the object itself, several a List.
    const out = JSON.parse(await sandbox.kubectlOk('get', ...(ns ? ['-n', ns] : []), ...names, '-o', 'json')) as KubeObject & { items?: KubeObject[] };
    seen.push(...ids(out.items ?? [out]));
  }
  return seen.sort();
}

describe('CNI and DNS-cache addons on a real API server', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ workers: 1 });
    cluster = await clusterFromKubeconfig(readFileSync(sandbox.kubeconfig, 'utf8'), { source: sandbox.kubeconfig });
    const file = path.join(sandboxPaths(sandbox.dir).root, 'init-config.yaml');
    config = buildInitConfig(readConfigText(readFileSync(file, 'utf8'), file), {});
  }, LONG);

  afterAll(async () => {
    if (sandbox) await sandbox.down();
  });

  it('refuses Flannel without a pod subnet before anything is applied', async () => {
    const bare = { ...config, cluster: { ...config.cluster, networking: { ...config.cluster.networking, podSubnet: undefined } } };
    const refused = flannelAddon.plan(await input({}, bare));
    await expect(refused).rejects.toThrow(UserError);
    await expect(refused).rejects.toThrow(/networking\.podSubnet/);
    const r = await sandbox.kubectlRun('get', 'namespace', 'kube-flannel');
    expect(r.stderr).toMatch(/NotFound/);
  });

  it(
    'installs Flannel on a cluster with a Windows node: VNI 4096, port 4789 and the Windows DaemonSets',
    async () => {
      await registerSimulatedNodes(cluster, [{ name: 'win-1', address: '10.0.99.1', os: 'windows' }], config.cluster.kubernetesVersion);
      const objects = await install(flannelAddon);
      expect(await kubectlSees(objects)).toEqual(ids(objects));
      const netConf = JSON.parse(
        await sandbox.kubectlOk('get', '-n', 'kube-flannel', 'configmap', 'kube-flannel-cfg', '-o', 'jsonpath={.data.net-conf\\.json}'),
      );
      expect(netConf).toMatchObject({ Network: '10.244.0.0/16', Backend: { Type: 'vxlan', VNI: 4096, Port: 4789 } });
      const hostProcess = await sandbox.kubectlOk(
        'get',
        '-n',
        'kube-flannel',
        'daemonset',
        'kube-flannel-ds-windows-amd64',
        '-o',
        'jsonpath={.spec.template.spec.securityContext.windowsOptions.hostProcess}',
      );
      expect(hostProcess).toBe('true');
      const network = await sandbox.kubectlOk(
        'get',
        '-n',
        'kube-system',
        'daemonset',
        'kube-proxy-windows',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="KUBE_NETWORK")].value}',
      );
      expect(network).toBe('flannel.4096');
      expect(await flannelAddon.installedVersion(cluster)).toBe('v0.28.10');
      // A second install changes nothing: no spec (generation) and no other object (resourceVersion) is written.
      const unchanged = (o: KubeObject) => [o.metadata.name, o.metadata.generation ?? o.metadata.resourceVersion];
      expect((await install(flannelAddon)).map(unchanged)).toEqual(objects.map(unchanged));
      expect(ids(await install(kubeProxyWindowsAddon))).toEqual(['DaemonSet/kube-system/kube-proxy-windows']);
    },
    LONG,
  );

  it(
    "installs Calico: the operator's CRDs Established, the Installation accepted with the pod subnet",
    async () => {
      const objects = await install(calicoAddon);
      expect(await kubectlSees(objects)).toEqual(ids(objects));
      const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
      expect(crds).toHaveLength(32);
      for (const crd of crds)
        expect(established(await cluster.get<CRD>({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name })), crd.metadata.name).toBe(true);
      const pool = await sandbox.kubectlOk(
        'get',
        'installation.operator.tigera.io',
        'default',
        '-o',
        'jsonpath={.spec.calicoNetwork.ipPools[0].cidr} {.spec.calicoNetwork.ipPools[0].encapsulation}',
      );
      expect(pool).toBe('10.244.0.0/16 VXLANCrossSubnet');
      expect(await calicoAddon.installedVersion(cluster)).toBe('v3.31.0');
    },
    LONG,
  );

  it(
    'installs NodeLocal DNSCache for iptables, and for IPVS with the kubelets’ clusterDNS in kubelet-config',
    async () => {
      const objects = await install(nodeLocalDNSAddon);
      expect(await kubectlSees(objects)).toEqual(ids(objects));
      const args = await sandbox.kubectlOk(
        'get',
        '-n',
        'kube-system',
        'daemonset',
        'node-local-dns',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].args[1]}',
      );
      expect(args).toBe('169.254.20.10,10.96.0.10');

      const ipvs = { ...config, kubeProxy: { ...config.kubeProxy, mode: 'ipvs' } };
      await run((await nodeLocalDNSAddon.plan(await input({}, ipvs))).actions);
      const cm = await cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'kubelet-config' });
      expect(parseYaml(cm!.data.kubelet)).toMatchObject({ clusterDNS: ['169.254.20.10'] });
      expect(hasValidSignature(cm!)).toBe(true);
      expect(await nodeLocalDNSAddon.installedVersion(cluster)).toBe('1.26.7');
    },
    LONG,
  );
});
