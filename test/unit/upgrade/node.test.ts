import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { KUBELET_CONFIG_FILE } from '../../../src/kube/paths.js';
import type { Host } from '../../../src/host/host.js';
import { clusterKubeletConfiguration, nodeKubeletConfiguration, renderKubeletConfiguration } from '../../../src/kubelet/config.js';
import { manifestPath } from '../../../src/manifests/static-pods.js';
import { emitYaml, parseYaml } from '../../../src/util/yaml.js';
import { backupStamp } from '../../../src/commands/upgrade/backup.js';
import { staticPodStatus } from '../../../src/commands/upgrade/cluster-state.js';
import { imageTagOf as imageTag } from '../../../src/manifests/images.js';
import { upgradeConfig, type NodeIdentity } from '../../../src/config/stored.js';
import { confirm } from '../../../src/workflow/confirm.js';
import type { UpgradeContext } from '../../../src/commands/upgrade/context.js';
import { fileDiff } from '../../../src/util/file-diff.js';
import { kubeletPackageCommands, type KubeletInstaller } from '../../../src/commands/upgrade/kubelet.js';
import { readNodeIdentity } from '../../../src/commands/upgrade/node.js';
import { nodePhases } from '../../../src/commands/upgrade/phases.js';
import { runWorkflow } from '../../../src/workflow/run.js';
import { endpointAnnotation, FakeKubelet, initConfig, options, removeTempHosts, stateOf, tempHost } from './support.js';

process.env.CI = 'true';
afterAll(removeTempHosts);

const worker: NodeIdentity = { name: 'w-1', controlPlane: false, criSocket: 'unix:///run/crio/crio.sock' };

function workerContext(host: Host, kubeletText: string | undefined, installer: KubeletInstaller): UpgradeContext {
  const cfg = initConfig('v1.37.1');
  const state = stateOf(cfg, { workers: ['w-1'], kubelet: 'v1.36.3' });
  if (kubeletText !== undefined) state.configTexts.kubelet = kubeletText;
  return {
    host,
    options: options(),
    target: async () => 'v1.37.1',
    cluster: async () => new FakeKubelet(host).asCluster(),
    state: async () => state,
    node: async () => worker,
    config: async () => upgradeConfig(state.configTexts, worker, 'v1.37.1', []),
    kubelet: installer,
    run: { stamp: backupStamp(new Date()), upgraded: [] },
  };
}

describe('upgrade node on a worker', () => {
  it("rewrites the kubelet configuration from the cluster's (keeping its CRI socket), swaps and restarts the kubelet", async () => {
    const host = await tempHost();
    const cfg = initConfig('v1.36.3');
    const old = renderKubeletConfiguration(
      nodeKubeletConfiguration(clusterKubeletConfiguration(cfg.kubelet, cfg.cluster), { criSocket: worker.criSocket!, systemdResolved: false }),
    );
    await host.writeFileAtomic(KUBELET_CONFIG_FILE, old, 0o644);
    const installed: string[] = [];
    const installer: KubeletInstaller = { name: 'test', describe: (v) => `install ${v}`, install: async (_h, v) => void installed.push(v) };
    const uploaded = parseYaml(stateOf(cfg).configTexts.kubelet!) as Record<string, unknown>;
    const ctx = workerContext(host, `${stateOf(cfg).configTexts.kubelet}maxPods: 50\n`, installer);
    await runWorkflow(nodePhases, ctx);
    const written = parseYaml((await host.readFile(KUBELET_CONFIG_FILE))!.toString('utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({ ...uploaded, maxPods: 50, containerRuntimeEndpoint: worker.criSocket });
    expect(installed).toEqual(['v1.37.1']);
    expect(await host.readdir('/etc/kubernetes/tmp')).toEqual([expect.stringMatching(/^kubeadm-kubelet-config-/)]);
    expect(await host.stat(manifestPath('kube-apiserver'))).toBeUndefined();
  });

  it('leaves a kubelet configuration that says the same in another key order alone', async () => {
    const host = await tempHost();
    const cfg = initConfig('v1.37.1');
    const same = renderKubeletConfiguration(
      nodeKubeletConfiguration(clusterKubeletConfiguration(cfg.kubelet, cfg.cluster), { criSocket: worker.criSocket!, systemdResolved: false }),
    );
    const reordered = emitYaml(Object.fromEntries(Object.entries(parseYaml(same) as Record<string, unknown>).reverse()));
    expect(reordered).not.toBe(same);
    await host.writeFileAtomic(KUBELET_CONFIG_FILE, reordered, 0o644);
    const none: KubeletInstaller = { name: 'none', describe: () => '', install: async () => undefined };
    await runWorkflow(nodePhases, workerContext(host, undefined, none), { only: 'kubelet-config' });
    expect((await host.readFile(KUBELET_CONFIG_FILE))!.toString('utf8')).toBe(reordered);
    expect(await host.readdir('/etc/kubernetes/tmp')).toEqual([]);
  });
});

describe('who the node is', () => {
  it('reads the API endpoint from the API server manifest and the name from --node-name', async () => {
    const host = await tempHost();
    await host.writeFileAtomic(
      manifestPath('kube-apiserver'),
      `apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    ${Object.keys(endpointAnnotation)[0]}: ${Object.values(endpointAnnotation)[0]}\n  name: kube-apiserver\nspec:\n  containers: []\n`,
      0o600,
    );
    await host.writeFileAtomic('/var/lib/kubelet/instance-config.yaml', 'containerRuntimeEndpoint: unix:///run/crio/crio.sock\n', 0o644);
    expect(await readNodeIdentity(host, 'CP-1')).toEqual({
      name: 'cp-1',
      controlPlane: true,
      advertiseAddress: '192.0.2.10',
      bindPort: 6443,
      criSocket: 'unix:///run/crio/crio.sock',
    });
  });

  it('says how to name a node it cannot name', async () => {
    await expect(readNodeIdentity(await tempHost())).rejects.toThrow(/pass --node-name/);
  });
});

describe('small parts', () => {
  it('installs kubelet packages as the upgrade guides do', () => {
    expect(kubeletPackageCommands('apt', 'v1.37.1')).toEqual([
      ['apt-mark', 'unhold', 'kubelet'],
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', 'kubelet=1.37.1-*'],
      ['apt-mark', 'hold', 'kubelet'],
    ]);
    expect(kubeletPackageCommands('dnf', 'v1.37.1')).toEqual([['dnf', 'install', '-y', 'kubelet-1.37.1', '--disableexcludes=kubernetes']]);
  });

  it('refuses to ask for confirmation without a terminal, instead of waiting', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.ReadStream;
    await expect(confirm('Proceed?', input, new PassThrough())).rejects.toThrow(/stdin is not a terminal; pass --yes/);
  });

  it('takes versions from image tags and mirror Pods', () => {
    expect(imageTag('registry.k8s.io/kube-apiserver:v1.37.1')).toBe('v1.37.1');
    expect(imageTag('localhost:5000/etcd')).toBe('latest');
    expect(imageTag('registry.k8s.io/etcd:3.6.8-0@sha256:abc')).toBe('3.6.8-0');
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'etcd-cp-1', namespace: 'kube-system', uid: 'u1', labels: { component: 'etcd' }, annotations: { 'kubernetes.io/config.hash': 'h1' } },
      spec: { nodeName: 'cp-1', containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.6.8-0' }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    expect(staticPodStatus(pod)).toEqual({
      component: 'etcd',
      node: 'cp-1',
      image: 'registry.k8s.io/etcd:3.6.8-0',
      version: '3.6.8-0',
      hash: 'h1',
      ready: true,
    });
  });

  it('diffs files in unified form, nothing for equal ones', () => {
    expect(fileDiff('/m.yaml', 'a\nb\n', 'a\nb\n')).toBe('');
    expect(fileDiff('/m.yaml', 'a\nb\nc\n', 'a\nB\nc\n')).toBe('--- /m.yaml\tcurrent\n+++ /m.yaml\tnew\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n');
  });
});
