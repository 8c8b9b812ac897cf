/**
 * The checks before the first cordon of a roll with Windows nodes: each refusal names what is missing, all of them
 * together, in the plan; a cluster ready for Windows nodes passes.
 */
import { describe, expect, it } from 'vitest';
import { kubeProxyWindowsDaemonSet } from '../../../../src/addons/windows.js';
import type { DaemonSet } from '../../../../src/addons/workloads.js';
import { describePlan } from '../../../../src/commands/upgrade/nodes/plan-text.js';
import { describeChecks, refuseFailedChecks, selectsWindowsNodes, windowsChecks } from '../../../../src/commands/upgrade/nodes/windows-checks.js';
import type { KubeObject } from '../../../../src/cluster/cluster.js';
import { configMap } from '../../../../src/kube/objects.js';
import type { Node } from '../../../../src/kube/workloads.js';
import type { NodeAccess } from '../../../../src/roll/nodes.js';
import { planRoll } from '../../../../src/roll/plan.js';
import { node } from '../../drain/fixtures.js';
import { FakeCluster } from '../../roll/fake-cluster.js';
import { initConfig } from '../support.js';

function kubeProxy(spec: Partial<DaemonSet['spec']['template']['spec']>): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'kube-proxy', namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
      updateStrategy: { type: 'RollingUpdate' },
      template: { metadata: { labels: { 'k8s-app': 'kube-proxy' } }, spec: { containers: [], ...spec } },
    },
  };
}

const netConf = (backend: Record<string, unknown>) =>
  configMap('kube-flannel', 'kube-flannel-cfg', { 'net-conf.json': JSON.stringify({ Network: '10.244.0.0/16', Backend: backend }) });

function windowsNode(name: string, build: { label?: string; kernel?: string; image?: string }): Node {
  const n = node(name, { os: 'windows', labels: { 'kubernetes.io/os': 'windows', ...(build.label && { 'node.kubernetes.io/windows-build': build.label }) } });
  n.status!.nodeInfo = { ...n.status!.nodeInfo, kernelVersion: build.kernel, osImage: build.image };
  return n;
}

const ssh = { via: 'ssh', ssh: { address: '10.0.0.9', port: 22, user: 'Administrator' } } as unknown as NodeAccess['reach'];
const access = (entries: Record<string, Partial<NodeAccess>>) => (name: string) =>
  entries[name] && ({ name, reach: ssh, kubelet: { install: 'binary', url: 'u', fetch: 'bosun' }, ...entries[name] } as NodeAccess);

async function check(objects: KubeObject[], nodes: Node[], target = 'v1.37.1', entries: Record<string, Partial<NodeAccess>> = {}) {
  const plan = planRoll({ nodes, target, maxUnavailable: { count: 1 }, order: 'name', executorFor: () => 'ssh' });
  const results = await windowsChecks({ cluster: new FakeCluster(objects).asCluster(), plan, nodes, target, access: access(entries) });
  return { plan, results, problems: results.flatMap((r) => r.problems) };
}

describe('checks before a roll with Windows nodes', () => {
  const ready = [kubeProxy({ nodeSelector: { 'kubernetes.io/os': 'linux' } }), netConf({ Type: 'vxlan', VNI: 4096, Port: 4789 })];

  it('pass on a cluster ready for Windows nodes: kube-proxy for Linux only, Flannel with VNI 4096 and port 4789, supported builds', async () => {
    const nodes = [node('l1'), windowsNode('w1', { label: '10.0.17763' }), windowsNode('w2', { kernel: '10.0.20348.2762' })];
    const { problems, results, plan } = await check(ready, nodes, 'v1.37.1', { l1: { os: 'linux' }, w1: { os: 'windows' } });
    expect(problems).toEqual([]);
    expect(results.map((r) => r.name)).toEqual(['NodeOS', 'LinuxKubeProxy', 'WindowsPodNetwork', 'WindowsBuild', 'WindowsKubelet']);
    expect(() => refuseFailedChecks(results)).not.toThrow();
    const text = describePlan(plan, 'v1.37.1', { maxUnavailable: { count: 1 }, checks: describeChecks(results) });
    expect(text).toContain('  batch 2: w1 (windows)');
    expect(text).toContain(
      '  steps per Windows node: cordon → drain → kubelet-push → upgrade-node → kubelet-stop → kubelet-binary → kubelet-start → wait-ready → uncordon',
    );
    expect(text).toContain('  Windows nodes out at once: at most 1 (--windows-max-unavailable)');
    expect(text).toContain('  check WindowsPodNetwork: ok');
  });

  it('take Calico as a pod network for Windows nodes; run only the OS check when no Windows node is in the plan', async () => {
    const calico: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'tigera-operator', namespace: 'tigera-operator' } };
    expect((await check([ready[0], calico], [windowsNode('w1', { label: '10.0.20348' })])).problems).toEqual([]);
    const linuxOnly = await check([], [node('l1')]);
    expect(linuxOnly.results).toEqual([{ name: 'NodeOS', problems: [] }]);
  });

  it('refuse, naming every missing piece at once: Linux kube-proxy on Windows nodes, Flannel without the Windows VXLAN, unsupported builds, an OS the cluster file contradicts, a kubelet package', async () => {
    const nodes = [
      node('l1'),
      windowsNode('w2016', { label: '10.0.14393' }),
      windowsNode('w2025', { image: 'Windows Server 2025 Datacenter' }),
      windowsNode('wx', {}),
      windowsNode('wpkg', { label: '10.0.17763' }),
    ];
    const { results, problems } = await check([kubeProxy({}), netConf({ Type: 'vxlan' })], nodes, 'v1.31.2', {
      l1: { os: 'windows' },
      wpkg: { os: 'windows', kubelet: { install: 'package' } },
    });
    expect(problems).toEqual([
      'node l1 reports linux; the cluster file gives its host os: windows',
      'DaemonSet kube-system/kube-proxy selects Windows nodes: its Linux Pods would be put on them; give it nodeSelector kubernetes.io/os: linux, as kubeadm\'s has ("bosun addon upgrade kube-proxy" applies kubeadm\'s)',
      'ConfigMap kube-flannel/kube-flannel-cfg key net-conf.json: Backend is {"Type":"vxlan"}; Windows nodes need {Type: vxlan, VNI: 4096, Port: 4789} ("bosun addon upgrade flannel --windows")',
      'node w2016: Windows build 14393, from label node.kubernetes.io/windows-build, is not supported by Kubernetes v1.31.2, which supports Windows Server 2019 (build 17763), Windows Server 2022 (build 20348)',
      'node w2025: Windows Server 2025 (build 26100), from its OS image "Windows Server 2025 Datacenter", is not supported by Kubernetes v1.31.2, which supports Windows Server 2019 (build 17763), Windows Server 2022 (build 20348)',
      'node wx: cannot tell its Windows build (no label node.kubernetes.io/windows-build, kernel version or Windows Server OS image)',
      'node wpkg: kubelet.install is package: Windows has no kubelet package; give install: binary (url or from)',
    ]);
    expect(() => refuseFailedChecks(results)).toThrow(/^cannot roll the nodes \(nothing was changed\):\n {2}NodeOS: node l1 reports linux/);
    expect(describeChecks(results)).toContain(
      '  check LinuxKubeProxy: DaemonSet kube-system/kube-proxy selects Windows nodes: its Linux Pods would be put on them; give it nodeSelector kubernetes.io/os: linux, as kubeadm\'s has ("bosun addon upgrade kube-proxy" applies kubeadm\'s)',
    );
  });

  it('refuse a Windows node without any pod network for it', async () => {
    const { problems } = await check([ready[0]], [windowsNode('w1', { label: '10.0.17763' })]);
    expect(problems).toEqual([
      'no pod network for Windows nodes: neither Flannel (ConfigMap kube-flannel/kube-flannel-cfg key net-conf.json) nor Calico is installed ("bosun addon install flannel --windows")',
    ]);
  });

  it("read a DaemonSet's nodeSelector and required node affinity for whether Windows nodes are selected", () => {
    const terms = (...exprs: Array<{ key: string; operator: string; values?: string[] }[]>) => ({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: exprs.map((matchExpressions) => ({ matchExpressions })) } },
    });
    const os = (operator: string, ...values: string[]) => ({ key: 'kubernetes.io/os', operator, values });
    expect(selectsWindowsNodes(kubeProxy({}))).toBe(true);
    expect(selectsWindowsNodes(kubeProxy({ nodeSelector: { 'kubernetes.io/os': 'linux' } }))).toBe(false);
    expect(selectsWindowsNodes(kubeProxy({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } }))).toBe(true);
    expect(selectsWindowsNodes(kubeProxy({ affinity: terms([os('In', 'linux')]) }))).toBe(false);
    expect(selectsWindowsNodes(kubeProxy({ affinity: terms([os('NotIn', 'windows')]) }))).toBe(false);
    expect(selectsWindowsNodes(kubeProxy({ affinity: terms([os('In', 'linux')], [{ key: 'role', operator: 'Exists' }]) }))).toBe(true);
    expect(selectsWindowsNodes(kubeProxy({ affinity: terms([os('In', 'linux', 'windows')]) }))).toBe(true);
    // bosun's own Windows kube-proxy selects them, as it should.
    expect(selectsWindowsNodes(kubeProxyWindowsDaemonSet(initConfig('v1.37.1'), 'flannel'))).toBe(true);
  });
});
