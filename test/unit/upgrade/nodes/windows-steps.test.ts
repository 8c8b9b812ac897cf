/**
 * A Windows node's upgrade steps against the upstream guide ("Upgrading Windows nodes",
 * kubernetes/website content/en/docs/tasks/administer-cluster/kubeadm/upgrading-windows-nodes.md): drain, then
 * `kubeadm upgrade node` (the kubelet configuration from kubelet-config), the kubelet service stopped, kubelet.exe
 * replaced, the service started, uncordon. bosun pushes kubelet.exe before the drain's downtime and keeps the old
 * one for a rollback. Run on a Windows node's files (C:\ as a directory), each step twice: the second finds its work done.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cluster, KubeObject, ObjectRef } from '../../../../src/cluster/cluster.js';
import { KubeletDownloads } from '../../../../src/commands/upgrade/nodes/kubelet-binary.js';
import { upgradeNodeWork } from '../../../../src/commands/upgrade/nodes/node-work.js';
import { windowsRollback } from '../../../../src/commands/upgrade/nodes/windows-node-work.js';
import { download } from '../../../../src/host/download.js';
import { LocalHost } from '../../../../src/host/local.js';
import type { KubeletInstall } from '../../../../src/inventory/inventory.js';
import { goEncodedKubeletConfiguration } from '../../../../src/kubelet/encoding.js';
import { runNodeSideStep, type NodeStepContext } from '../../../../src/roll/nodes.js';
import { NODE_SIDE_STEPS, nodeSteps, type NodeSideStep } from '../../../../src/roll/steps.js';
import { emitYaml, parseYaml } from '../../../../src/util/yaml.js';
import { tempDir } from '../../../support/temp.js';
import { WindowsRootfsHost } from '../../../support/windows-rootfs-host.js';
import { initConfig } from '../support.js';

const OLD_CONFIG = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupsPerQOS: false\nresolvConf: ""\n';

function clusterAt(version: string): Cluster {
  const cfg = initConfig(version);
  const data: Record<string, Record<string, string>> = {
    'kubeadm-config': { ClusterConfiguration: emitYaml(cfg.cluster) },
    'kubelet-config': { kubelet: emitYaml(goEncodedKubeletConfiguration(cfg.kubelet)) },
  };
  const cluster = {
    raw: async () => ({ status: 200, body: JSON.stringify({ gitVersion: version }) }),
    get: async (ref: ObjectRef) => (ref.kind === 'ConfigMap' && data[ref.name] ? { metadata: { name: ref.name }, data: data[ref.name] } : undefined),
    list: async (): Promise<KubeObject[]> => [],
  };
  return cluster as unknown as Cluster;
}

/** A Windows worker at v1.36.3 as prepare and join left it; kubelet.exe of v1.37.1 on the operator's machine. */
function windowsNode(kubelet?: KubeletInstall) {
  const host = new WindowsRootfsHost();
  const drive = path.join(host.root, 'C:');
  mkdirSync(path.join(drive, 'k'), { recursive: true });
  mkdirSync(path.join(drive, 'var/lib/kubelet'), { recursive: true });
  writeFileSync(path.join(drive, 'k/kubelet.exe'), 'MZ kubelet v1.36.3');
  writeFileSync(path.join(drive, 'var/lib/kubelet/config.yaml'), OLD_CONFIG);
  writeFileSync(path.join(drive, 'var/lib/kubelet/kubeadm-flags.env'), 'KUBELET_KUBEADM_ARGS=""\n');
  const machine = tempDir('bosun-machine-');
  writeFileSync(path.join(machine, 'kubelet-v1.37.1.exe'), 'MZ kubelet v1.37.1');
  const install = kubelet ?? { install: 'binary', from: path.join(machine, 'kubelet-{version}.exe'), link: false };
  const work = upgradeNodeWork({ timeoutMs: 1000, machine: new LocalHost('/'), downloads: new KubeletDownloads(download), proxyEnv: [], rollId: 'r1' });
  const lines: string[] = [];
  const logPaths: string[] = [];
  const context = (step: string): NodeStepContext => ({
    node: { name: 'win-1', via: 'ssh', host, kubelet: install },
    target: 'v1.37.1',
    from: 'v1.36.3',
    cluster: clusterAt('v1.37.1'),
    path: `node/win-1/${step}`,
    events: (e) => void (e.type === 'log' && lines.push(e.line) && logPaths.push(e.path)),
    signal: new AbortController().signal,
  });
  const file = (p: string) => {
    try {
      return readFileSync(path.join(drive, p), 'utf8');
    } catch {
      return undefined;
    }
  };
  const run = (step: NodeSideStep) => runNodeSideStep(work, step, context(step));
  return { host, file, run, lines, logPaths, context };
}

describe('a Windows node in the upgrade roll', () => {
  it("has the upstream guide's steps, in its order, around bosun's cordon, drain and wait", () => {
    expect(nodeSteps('windows')).toEqual([
      'cordon',
      'drain',
      'kubelet-push',
      'upgrade-node',
      'kubelet-stop',
      'kubelet-binary',
      'kubelet-start',
      'wait-ready',
      'uncordon',
    ]);
    const steps: readonly string[] = NODE_SIDE_STEPS.windows;
    // The guide: kubeadm upgrade node, then stop-service kubelet, replace kubelet.exe, start it.
    expect(steps.indexOf('upgrade-node')).toBeLessThan(steps.indexOf('kubelet-stop'));
    expect(steps.indexOf('kubelet-stop')).toBeLessThan(steps.indexOf('kubelet-binary'));
    expect(steps.indexOf('kubelet-binary')).toBeLessThan(steps.indexOf('kubelet-start'));
  });

  it('pushes kubelet.exe beside the running one, writes the kubelet configuration with the Windows settings, swaps kubelet.exe with the service stopped; each step again changes nothing', async () => {
    const node = windowsNode();
    await node.run('kubelet-push');
    expect(node.file('k/kubelet.exe.new')).toBe('MZ kubelet v1.37.1');
    expect(node.file('k/kubelet.exe')).toBe('MZ kubelet v1.36.3');
    expect(node.host.services).toEqual([]);

    await node.run('upgrade-node');
    const config = parseYaml(node.file('var/lib/kubelet/config.yaml')!) as Record<string, unknown>;
    expect(config).toMatchObject({
      kind: 'KubeletConfiguration',
      containerRuntimeEndpoint: 'npipe:////./pipe/containerd-containerd',
      cgroupsPerQOS: false,
      enforceNodeAllocatable: [],
      resolvConf: '',
      // From the kubelet-config ConfigMap.
      clusterDNS: ['10.96.0.10'],
      rotateCertificates: true,
    });
    // Backed up for a rollback; a Windows node has no static Pods and its kubelet is not touched by this step.
    expect(node.file('etc/kubernetes/tmp/bosun-migrate-r1/manifest.json')).toContain('/var/lib/kubelet/config.yaml');
    expect(node.file('etc/kubernetes/manifests/kube-apiserver.yaml')).toBeUndefined();
    expect(node.file('k/kubelet.exe')).toBe('MZ kubelet v1.36.3');

    await node.run('kubelet-stop');
    await node.run('kubelet-binary');
    expect(node.file('k/kubelet.exe')).toBe('MZ kubelet v1.37.1');
    expect(node.file('k/kubelet.exe.v1.36.3')).toBe('MZ kubelet v1.36.3');
    expect(node.file('k/kubelet.exe.new')).toBeUndefined();
    await node.run('kubelet-start');
    expect(node.host.services).toEqual(['stop kubelet', 'start kubelet']);

    const before = ['k/kubelet.exe', 'k/kubelet.exe.v1.36.3', 'var/lib/kubelet/config.yaml'].map(node.file);
    for (const step of NODE_SIDE_STEPS.windows) await node.run(step);
    expect(['k/kubelet.exe', 'k/kubelet.exe.v1.36.3', 'var/lib/kubelet/config.yaml'].map(node.file)).toEqual(before);
    expect(node.file('k/kubelet.exe.new')).toBeUndefined();
    expect(node.lines).toContain('[upgrade/kubelet] C:\\k\\kubelet.exe already is v1.37.1');
    expect(node.lines).toContain('[upgrade/kubelet] kubelet.exe v1.37.1 is on the node already');
    // Every line under a step's own path: the roll prints such lines under the node's name.
    expect(node.logPaths.filter((p) => !/^node\/win-1\/[^/]+\/./.test(p))).toEqual([]);
  });

  it('finishes a swap that stopped between its two renames', async () => {
    const node = windowsNode();
    await node.run('kubelet-push');
    await node.host.rename('C:\\k\\kubelet.exe', 'C:\\k\\kubelet.exe.v1.36.3');
    await node.run('kubelet-binary');
    expect(node.file('k/kubelet.exe')).toBe('MZ kubelet v1.37.1');
    expect(node.file('k/kubelet.exe.v1.36.3')).toBe('MZ kubelet v1.36.3');
  });

  it('rolls a node that did not come back to its old kubelet.exe and configuration, the service started; again, it finds them in place', async () => {
    const node = windowsNode();
    for (const step of NODE_SIDE_STEPS.windows) await node.run(step);
    const rollback = windowsRollback('r1');
    await rollback(node.context('rollback'));
    expect(node.file('k/kubelet.exe')).toBe('MZ kubelet v1.36.3');
    expect(node.file('k/kubelet.exe.v1.36.3')).toBeUndefined();
    expect(node.file('var/lib/kubelet/config.yaml')).toBe(OLD_CONFIG);
    expect(node.host.services.slice(-2)).toEqual(['stop kubelet', 'start kubelet']);
    await rollback(node.context('rollback'));
    expect(node.file('k/kubelet.exe')).toBe('MZ kubelet v1.36.3');
    expect(node.file('var/lib/kubelet/config.yaml')).toBe(OLD_CONFIG);
  });

  it('refuses a kubelet install a Windows node cannot take, naming the node and the field', async () => {
    const node = windowsNode({ install: 'package' });
    await expect(node.run('kubelet-push')).rejects.toThrow('node win-1: kubelet.install is package: Windows has no kubelet package');
    const fetching = windowsNode({ install: 'binary', url: 'https://dl.k8s.io/release/{version}/bin/{os}/{arch}/{binary}', fetch: 'node' });
    await expect(fetching.run('kubelet-binary')).rejects.toThrow('kubelet.fetch is node');
  });
});
