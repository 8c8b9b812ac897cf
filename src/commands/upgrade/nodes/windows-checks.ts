/**
 * What a roll with Windows nodes needs of the cluster, checked before the first cordon so that every missing piece
 * is named in the plan instead of found on a drained node: kubeadm's (Linux) kube-proxy DaemonSet must not select
 * Windows nodes, the pod network must carry the Windows settings (Flannel's VXLAN with VNI 4096 and port 4789, or
 * Calico), each Windows node's build must be one the target Kubernetes supports and its kubelet must be one bosun
 * can push. Every node's operating system must be the one the cluster file gives its host: the host's door (shell
 * or PowerShell) follows the file, the node's steps follow the Node.
 */
import type { Cluster } from '../../../cluster/cluster.js';
import { UserError, EXIT_CODES } from '../../../errors.js';
import { FLANNEL_NAMESPACE } from '../../../addons/flannel/windows.js';
import { WINDOWS_VXLAN } from '../../../addons/flannel/index.js';
import { KUBE_PROXY } from '../../../addons/kube-proxy.js';
import type { DaemonSet } from '../../../addons/workloads.js';
import type { ConfigMap } from '../../../kube/objects.js';
import { OS_LABEL } from '../../../kube/labels.js';
import type { Node } from '../../../kube/workloads.js';
import type { NodeAccess } from '../../../roll/nodes.js';
import type { RollPlan } from '../../../roll/plan.js';
import { windowsBuildProblem } from '../../../versions/windows-builds.js';
import { windowsKubeletInstallProblem } from './windows-node-work.js';

export interface WindowsCheckResult {
  name: string;
  /** Empty when the check passed. */
  problems: string[];
}

export interface WindowsCheckInput {
  cluster: Cluster;
  plan: RollPlan;
  /** The Nodes of the plan, as the cluster reports them. */
  nodes: Node[];
  target: string;
  /** The cluster file's entry of a node, if it has one. */
  access(name: string): NodeAccess | undefined;
}

type Expression = { key?: string; operator?: string; values?: string[] };
type Affinity = { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Array<{ matchExpressions?: Expression[] }> } } };

/** Whether an expression on the OS label keeps a `kubernetes.io/os=windows` node out. */
function excludesWindows(e: Expression): boolean {
  if (e.key !== OS_LABEL) return false;
  const values = e.values ?? [];
  return (e.operator === 'In' && !values.includes('windows')) || (e.operator === 'NotIn' && values.includes('windows')) || e.operator === 'DoesNotExist';
}

/** Whether a DaemonSet's Pods may land on a `kubernetes.io/os=windows` node, by its nodeSelector and required node affinity. */
export function selectsWindowsNodes(ds: DaemonSet): boolean {
  const spec = ds.spec.template.spec;
  const os = spec.nodeSelector?.[OS_LABEL];
  if (os !== undefined && os !== 'windows') return false;
  const terms = (spec.affinity as Affinity | undefined)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  // Terms are ORed: Windows nodes are out only when every term keeps them out.
  return !(terms?.length && terms.every((term) => (term.matchExpressions ?? []).some(excludesWindows)));
}

async function linuxKubeProxy(cluster: Cluster): Promise<string[]> {
  const ds = await cluster.get<DaemonSet>({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: KUBE_PROXY.namespace, name: KUBE_PROXY.name });
  if (!ds || !selectsWindowsNodes(ds)) return [];
  return [
    `DaemonSet ${KUBE_PROXY.namespace}/${KUBE_PROXY.name} selects Windows nodes: its Linux Pods would be put on them; give it nodeSelector ${OS_LABEL}: linux, as kubeadm's has ("bosun addon upgrade kube-proxy" applies kubeadm's)`,
  ];
}

const FLANNEL_CONFIG = { apiVersion: 'v1', kind: 'ConfigMap', namespace: FLANNEL_NAMESPACE, name: 'kube-flannel-cfg' } as const;
const CALICO = [
  { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'tigera-operator', name: 'tigera-operator' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'calico-node' },
] as const;

/** Flannel's net-conf.json must give Windows its VXLAN (flannel#2018: the same VNI on every node); Calico's VXLAN already does. */
async function podNetwork(cluster: Cluster): Promise<string[]> {
  const flannel = await cluster.get<ConfigMap>(FLANNEL_CONFIG);
  const where = `ConfigMap ${FLANNEL_CONFIG.namespace}/${FLANNEL_CONFIG.name} key net-conf.json`;
  if (flannel) {
    let backend: { Type?: string; VNI?: number; Port?: number } | undefined;
    try {
      backend = (JSON.parse(flannel.data?.['net-conf.json'] ?? '') as { Backend?: typeof backend }).Backend;
    } catch {
      return [`${where}: not JSON; Windows nodes need Backend {Type: vxlan, VNI: ${WINDOWS_VXLAN.VNI}, Port: ${WINDOWS_VXLAN.Port}}`];
    }
    const { Type, VNI, Port } = backend ?? {};
    if (Type === 'vxlan' && VNI === WINDOWS_VXLAN.VNI && Port === WINDOWS_VXLAN.Port) return [];
    return [
      `${where}: Backend is ${JSON.stringify(backend ?? {})}; Windows nodes need {Type: vxlan, VNI: ${WINDOWS_VXLAN.VNI}, Port: ${WINDOWS_VXLAN.Port}} ("bosun addon upgrade flannel --windows")`,
    ];
  }
  for (const ref of CALICO) if (await cluster.get(ref)) return [];
  return [`no pod network for Windows nodes: neither Flannel (${where}) nor Calico is installed ("bosun addon install flannel --windows")`];
}

const osOf = (node: Node) => node.status?.nodeInfo?.operatingSystem ?? node.metadata.labels?.[OS_LABEL] ?? 'linux';

/** The checks, each with what it found missing; the cluster-wide ones only when a Windows node is in the plan. */
export async function windowsChecks(input: WindowsCheckInput): Promise<WindowsCheckResult[]> {
  const planned = new Set(input.plan.nodes.map((n) => n.name));
  const nodes = input.nodes.filter((n) => planned.has(n.metadata.name));
  const windows = nodes.filter((n) => osOf(n) === 'windows');
  const os = nodes.flatMap((n) => {
    const listed = input.access(n.metadata.name)?.os;
    return listed && listed !== osOf(n) ? [`node ${n.metadata.name} reports ${osOf(n)}; the cluster file gives its host os: ${listed}`] : [];
  });
  const results: WindowsCheckResult[] = [{ name: 'NodeOS', problems: os }];
  if (!windows.length) return results;
  const kubelet = windows.flatMap((n) => {
    const access = input.access(n.metadata.name);
    const problem = access && windowsKubeletInstallProblem(access.kubelet);
    return problem ? [`node ${n.metadata.name}: ${problem}`] : [];
  });
  const builds = windows.flatMap((n) => {
    const problem = windowsBuildProblem(n, input.target);
    return problem ? [`node ${n.metadata.name}: ${problem}`] : [];
  });
  const [proxy, network] = await Promise.all([linuxKubeProxy(input.cluster), podNetwork(input.cluster)]);
  return [
    ...results,
    { name: 'LinuxKubeProxy', problems: proxy },
    { name: 'WindowsPodNetwork', problems: network },
    { name: 'WindowsBuild', problems: builds },
    { name: 'WindowsKubelet', problems: kubelet },
  ];
}

/** The checks' lines for the plan: each check passed, or each problem it found. */
export function describeChecks(results: WindowsCheckResult[]): string[] {
  return results.flatMap((r) => (r.problems.length ? r.problems.map((p) => `  check ${r.name}: ${p}`) : [`  check ${r.name}: ok`]));
}

/** Stops the roll before anything changed when a check found a problem, naming every one. */
export function refuseFailedChecks(results: WindowsCheckResult[]): void {
  const problems = results.flatMap((r) => r.problems.map((p) => `${r.name}: ${p}`));
  if (problems.length) throw new UserError(`cannot roll the nodes (nothing was changed):\n  ${problems.join('\n  ')}`, EXIT_CODES.precondition);
}
