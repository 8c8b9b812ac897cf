/**
 * `bosun upgrade plan` as data: what each component runs now and what each upgrade bosun can make takes it to,
 * in the shape of kubeadm's `output.kubeadm.k8s.io/v1alpha3` UpgradePlan (plus bosun's own fields).
 */
import { coreDNSImage } from '../../addons/coredns.js';
import { upgradeCorefile } from '../../addons/coredns-addon/corefile-upgrade.js';
import { UserError } from '../../errors.js';
import type { ClusterConfiguration } from '../../config/types.js';
import { KUBELET_V1BETA1, KUBEPROXY_V1ALPHA1 } from '../../config/types.js';
import { etcdImage, imageTagOf } from '../../manifests/images.js';
import { parseYaml } from '../../util/yaml.js';
import { PINNED_KUBERNETES_VERSIONS } from '../../versions/pinned.js';
import {
  blockingViolations,
  controlPlaneUpgradeViolations,
  kubeletSkewProblem,
  minorLine,
  parseKubernetesVersion,
  upgradeTargets,
  type SkewOverride,
  type SkewViolation,
} from '../../versions/skew.js';
import type { ClusterState } from './cluster-state.js';
import type { DrainForecast } from './forecast.js';
import { storedClusterConfiguration } from '../../config/stored.js';

export interface ComponentUpgradePlan {
  name: string;
  currentVersion: string;
  newVersion: string;
  nodeName?: string;
}

export interface AvailableUpgrade {
  description: string;
  /** bosun: the version `bosun upgrade apply` takes. */
  version: string;
  components: ComponentUpgradePlan[];
  /** bosun: rules this upgrade breaks that a flag overrides: `apply` needs that flag. */
  needs?: SkewViolation[];
  /** bosun: what the CoreDNS version change does to the Corefile (`kept`, `default Corefile: replaced`, `migrated` and its notices). */
  corefile?: string[];
}

export interface ComponentConfigVersionState {
  group: string;
  currentVersion: string;
  preferredVersion: string;
  manualUpgradeRequired?: boolean;
}

/** A kubelet that breaks the skew policy with the current API server already. */
export interface KubeletSkewNote {
  node: string;
  version: string;
  problem: string;
}

export interface UpgradePlan {
  apiVersion: 'output.kubeadm.k8s.io/v1alpha3';
  kind: 'UpgradePlan';
  /** bosun: the API server's version. */
  clusterVersion: string;
  availableUpgrades?: AvailableUpgrade[];
  configVersions: ComponentConfigVersionState[];
  /** bosun: kubelets that break the skew policy with the API server as it is. */
  kubeletSkew?: KubeletSkewNote[];
  /** bosun: kubelets behind the control plane already (`bosun upgrade node`/`nodes` moves them). */
  nodeUpgrades?: ComponentUpgradePlan[];
  /** bosun: what draining the nodes for their kubelet upgrade would do, batch by batch. */
  drainForecast?: DrainForecast;
}

export interface PlanInput {
  state: ClusterState;
  /** A version asked for on the command line; otherwise the newest patch and next minor bosun knows. */
  requested?: string;
  overrides?: ReadonlySet<SkewOverride>;
  known?: readonly string[];
}

/** An upgrade the rules refuse: which ones, for the error the command prints. */
export class RefusedUpgrade {
  constructor(
    readonly version: string,
    readonly violations: SkewViolation[],
  ) {}
}

/** The components an upgrade to `target` changes, with their versions before and after. */
function componentChanges(state: ClusterState, cluster: ClusterConfiguration, target: string): ComponentUpgradePlan[] {
  const at: ClusterConfiguration = { ...cluster, kubernetesVersion: target };
  const changes: ComponentUpgradePlan[] = [];
  for (const pod of state.staticPods) {
    if (pod.component === 'etcd') continue;
    changes.push({ name: pod.component, currentVersion: pod.version, newVersion: target, nodeName: pod.node });
  }
  if (!cluster.proxy.disabled && state.kubeProxy) {
    changes.push({ name: 'kube-proxy', currentVersion: state.kubeProxy.version, newVersion: target });
  }
  const dns = state.coreDNS ?? (state.kubeDNS && { ...state.kubeDNS, version: `kube-dns ${state.kubeDNS.version}` });
  if (!cluster.dns.disabled && dns) changes.push({ name: 'CoreDNS', currentVersion: dns.version, newVersion: imageTagOf(coreDNSImage(at)) });
  if (cluster.etcd.local) {
    for (const pod of state.staticPods.filter((p) => p.component === 'etcd')) {
      changes.push({ name: 'etcd', currentVersion: pod.version, newVersion: imageTagOf(etcdImage(at)), nodeName: pod.node });
    }
  }
  return changes;
}

const KUBE_DNS_SWAP =
  'translated from ConfigMap kube-system/kube-dns (kube-dns → CoreDNS: the ConfigMap is kept, Deployment kube-dns is deleted once CoreDNS has rolled out)';

/** What `upgrade apply` to `target` does to the Corefile; a Corefile that cannot be migrated says why (apply stops on it). */
function corefileChange(state: ClusterState, cluster: ClusterConfiguration, target: string): string[] | undefined {
  if (cluster.dns.disabled) return undefined;
  if (!state.coreDNS) return state.kubeDNS && [KUBE_DNS_SWAP];
  const to = imageTagOf(coreDNSImage({ ...cluster, kubernetesVersion: target }));
  try {
    return upgradeCorefile({ text: state.coreDNSCorefile, from: state.coreDNS.version, to, dnsDomain: cluster.networking.dnsDomain }).lines;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return [`cannot be migrated (upgrade apply stops unless --ignore-preflight-errors=CoreDNSMigration): ${err.message}`];
  }
}

/** The kubelets, one row per node: `bosun upgrade node` (or `nodes`) moves them after the control plane. */
function kubeletChanges(state: ClusterState, target: string): ComponentUpgradePlan[] {
  return state.nodes.map((n) => ({ name: 'kubelet', currentVersion: n.kubeletVersion, newVersion: target, nodeName: n.name }));
}

function configVersions(state: ClusterState): ComponentConfigVersionState[] {
  const apiVersionOf = (text: string | undefined) => {
    const doc = text === undefined ? undefined : (parseYaml(text) as { apiVersion?: string } | null);
    return doc?.apiVersion;
  };
  return [
    [KUBEPROXY_V1ALPHA1, apiVersionOf(state.configTexts.kubeProxy)],
    [KUBELET_V1BETA1, apiVersionOf(state.configTexts.kubelet)],
  ].flatMap(([preferred, current]) => {
    if (!current) return [];
    const [group] = preferred!.split('/');
    return [
      {
        group,
        currentVersion: current.split('/')[1] ?? current,
        preferredVersion: preferred!.split('/')[1],
        ...(current !== preferred && { manualUpgradeRequired: true }),
      },
    ];
  });
}

function violationsFor(state: ClusterState, target: string, known: readonly string[]): SkewViolation[] {
  return controlPlaneUpgradeViolations({
    current: state.apiServerVersion,
    target,
    known,
    kubelets: state.nodes.map((n) => ({ node: n.name, version: n.kubeletVersion })),
    controlPlane: state.staticPods.filter((p) => p.component !== 'etcd').map((p) => ({ node: p.node, component: p.component, version: p.version })),
  });
}

/**
 * The plan. A requested version the rules refuse (outside what flags may override) throws RefusedUpgrade;
 * the automatic candidates are listed with the overridable rules they break.
 */
export function planUpgrade(input: PlanInput): UpgradePlan {
  const { state } = input;
  const known = input.known ?? PINNED_KUBERNETES_VERSIONS;
  const overrides = input.overrides ?? new Set<SkewOverride>();
  const cluster = storedClusterConfiguration(state.configTexts);
  const current = parseKubernetesVersion(state.apiServerVersion);
  const candidates: Array<{ version: string; description: string }> = [];
  if (input.requested !== undefined) {
    candidates.push({ version: input.requested, description: `Upgrade to the requested version ${input.requested}` });
  } else {
    const targets = upgradeTargets(state.apiServerVersion, known);
    if (targets.patch && current) candidates.push({ version: targets.patch, description: `Upgrade to the latest version in the ${minorLine(current)} series` });
    if (targets.minor) candidates.push({ version: targets.minor, description: 'Upgrade to the latest stable version' });
  }
  const availableUpgrades: AvailableUpgrade[] = [];
  for (const { version, description } of candidates) {
    const violations = violationsFor(state, version, known);
    const blocking = blockingViolations(violations, overrides);
    if (input.requested !== undefined && blocking.length) throw new RefusedUpgrade(version, blocking);
    if (blocking.some((v) => !v.override)) continue;
    const target = `v${parseKubernetesVersion(version)!.version}`;
    availableUpgrades.push({
      description,
      version: target,
      components: [...kubeletChanges(state, target), ...componentChanges(state, cluster, target)],
      ...(blocking.length && { needs: blocking }),
      corefile: corefileChange(state, cluster, target),
    });
  }
  const kubeletSkew = state.nodes.flatMap((n) => {
    const problem = kubeletSkewProblem(state.apiServerVersion, n.kubeletVersion);
    return problem ? [{ node: n.name, version: n.kubeletVersion, problem }] : [];
  });
  const behind = kubeletChanges(state, state.apiServerVersion).filter((k) => k.currentVersion !== k.newVersion);
  return {
    apiVersion: 'output.kubeadm.k8s.io/v1alpha3',
    kind: 'UpgradePlan',
    clusterVersion: state.apiServerVersion,
    ...(availableUpgrades.length && { availableUpgrades }),
    configVersions: configVersions(state),
    ...(kubeletSkew.length && { kubeletSkew }),
    ...(behind.length && { nodeUpgrades: behind }),
  };
}

/** The kubelet version the node phase goes to: the plan's newest upgrade, else the control plane's own. */
export function nodeTarget(plan: UpgradePlan): string | undefined {
  return plan.availableUpgrades?.at(-1)?.version ?? (plan.nodeUpgrades?.length ? plan.clusterVersion : undefined);
}
