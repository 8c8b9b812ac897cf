import { coreDNSImage } from '../../../addons/coredns.js';
import { upgradeCorefile } from '../../../addons/coredns-addon/corefile-upgrade.js';
import { MANIFESTS_DIR, TEMP_DIR } from '../../../kube/paths.js';
import { imageTagOf } from '../../../manifests/images.js';
import { EXIT_CODES, UserError } from '../../../errors.js';
import { manifestPath } from '../../../manifests/static-pods.js';
import { blockingViolations, controlPlaneUpgradeViolations, describeViolations, kubeletSkewProblem, type SkewViolation } from '../../../versions/skew.js';
import { runChecks, type Check } from '../../../workflow/checks.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import { treeSize } from '../backup.js';
import type { ClusterState, StaticPodComponent } from '../cluster-state.js';
import type { UpgradeContext } from '../context.js';
import { resumeInterruptedRun } from '../resume.js';

/** Backups must fit with room to spare: a full disk under /etc/kubernetes would stop the control plane. */
const DISK_MARGIN = 1.1;

/** 5 KiB, 12.3 MiB, 1.5 GiB. */
function size(bytes: number): string {
  if (bytes < 2 ** 20) return `${Math.ceil(bytes / 2 ** 10)} KiB`;
  return bytes < 2 ** 30 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/**
 * The version rules for moving the control plane from the cluster's version to `target`: throws naming every
 * rule that forbids it; returns the rules a flag overrode (to be shown as warnings).
 */
export function checkVersionPolicy(state: ClusterState, target: string, overrides: UpgradeContext['options']['overrides']): SkewViolation[] {
  const violations = controlPlaneUpgradeViolations({
    current: state.apiServerVersion,
    target,
    kubelets: state.nodes.map((n) => ({ node: n.name, version: n.kubeletVersion })),
    controlPlane: state.staticPods.filter((p) => p.component !== 'etcd').map((p) => ({ node: p.node, component: p.component, version: p.version })),
  });
  const blocking = blockingViolations(violations, overrides);
  if (blocking.length) {
    throw new UserError(
      `cannot upgrade the control plane from ${state.apiServerVersion} to ${target}:\n  ${describeViolations(blocking)}`,
      EXIT_CODES.precondition,
    );
  }
  return violations;
}

/** The static Pods this node upgrades: etcd only when it is local and its upgrade is on. */
async function componentsHere(ctx: UpgradeContext): Promise<StaticPodComponent[]> {
  const cfg = await ctx.config();
  const etcd = cfg.cluster.etcd.local && ctx.options.etcdUpgrade ? ['etcd' as const] : [];
  return [...etcd, 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
}

function controlPlaneNodesReady(ctx: UpgradeContext): Check {
  return {
    name: 'ControlPlaneNodesReady',
    run: async () => {
      const notReady = (await ctx.state()).nodes.filter((n) => n.controlPlane && !n.ready).map((n) => n.name);
      return notReady.length ? { errors: [`there are NotReady control-planes in the cluster: [${notReady.join(' ')}]`] } : {};
    },
  };
}

function staticPodManifests(ctx: UpgradeContext): Check {
  return {
    name: 'StaticPodManifest',
    run: async () => {
      const missing: string[] = [];
      for (const component of await componentsHere(ctx)) {
        if (!(await ctx.host.stat(manifestPath(component)))) missing.push(`the manifest for component ${component} is missing: ${manifestPath(component)}`);
      }
      return { errors: missing };
    },
  };
}

/** The backups (manifests, and etcd's data when etcd is upgraded) must fit on the disk holding /etc/kubernetes/tmp. */
function diskSpace(ctx: UpgradeContext): Check {
  return {
    name: 'DiskSpace',
    run: async () => {
      const cfg = await ctx.config();
      const components = await componentsHere(ctx);
      let needed = await treeSize(ctx.host, MANIFESTS_DIR);
      const dataDir = cfg.cluster.etcd.local?.dataDir;
      if (dataDir && components.includes('etcd')) needed += await treeSize(ctx.host, dataDir);
      needed = Math.ceil(needed * DISK_MARGIN);
      const free = await ctx.host.freeSpace(TEMP_DIR);
      if (free === undefined) return { warnings: [`cannot tell the free space under ${TEMP_DIR}; the backups need ${size(needed)}`] };
      return free < needed ? { errors: [`${TEMP_DIR} has ${size(free)} free; the backups need ${size(needed)}`] } : {};
    },
  };
}

/**
 * kubeadm's CoreDNSMigration: a Corefile the migration cannot carry to the target's CoreDNS stops the upgrade
 * before the control plane moves, not in the addon phase after it (ignoring the check keeps the Corefile as it is).
 */
function coreDNSMigration(ctx: UpgradeContext): Check {
  return {
    name: 'CoreDNSMigration',
    run: async () => {
      const [state, { cluster }] = await Promise.all([ctx.state(), ctx.config()]);
      if (cluster.dns.disabled || !state.coreDNS) return {};
      const to = imageTagOf(coreDNSImage(cluster));
      try {
        upgradeCorefile({ text: state.coreDNSCorefile, from: state.coreDNS.version, to, dnsDomain: cluster.networking.dnsDomain });
        return {};
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        return { errors: [err.message] };
      }
    },
  };
}

function logVersions(io: PhaseIO, state: ClusterState, target: string, overridden: SkewViolation[]): void {
  io.log(`[upgrade/versions] Cluster version: ${state.apiServerVersion}`);
  io.log(`[upgrade/versions] Target version: ${target}`);
  for (const v of overridden) io.log(`[upgrade/versions] WARNING: [${v.rule}] ${v.message} (allowed by ${v.override})`);
}

async function applyPreflight(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  await resumeInterruptedRun(ctx, io);
  io.log('[upgrade/config] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"');
  const [state, target, node] = await Promise.all([ctx.state(), ctx.target(), ctx.node()]);
  if (!node.controlPlane) {
    throw new UserError(
      `node ${node.name} runs no control plane (no ${manifestPath('kube-apiserver')}): upgrade apply runs on a control-plane node; use "bosun upgrade node" here`,
    );
  }
  logVersions(io, state, target, checkVersionPolicy(state, target, ctx.options.overrides));
  io.log('[preflight] Running pre-flight checks');
  await runChecks([controlPlaneNodesReady(ctx), staticPodManifests(ctx), diskSpace(ctx), coreDNSMigration(ctx)], ctx.options.ignorePreflightErrors, io);
}

async function nodePreflight(ctx: UpgradeContext, io: PhaseIO): Promise<void> {
  io.log('[upgrade/config] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"');
  const [state, target, node] = await Promise.all([ctx.state(), ctx.target(), ctx.node()]);
  io.log(`[upgrade/versions] Cluster version: ${state.apiServerVersion}`);
  io.log(`[upgrade/versions] Node ${node.name} (${node.controlPlane ? 'control plane' : 'worker'}) goes to ${target}`);
  const problem = kubeletSkewProblem(state.apiServerVersion, target);
  if (problem)
    throw new UserError(
      `cannot upgrade node ${node.name} to ${target}: [kubelet-skew] ${problem}; upgrade the control plane first (bosun upgrade apply ${target})`,
      EXIT_CODES.precondition,
    );
  io.log('[preflight] Running pre-flight checks');
  const checks = node.controlPlane ? [staticPodManifests(ctx), diskSpace(ctx)] : [];
  await runChecks(checks, ctx.options.ignorePreflightErrors, io);
}

const HELP =
  'Resumes an interrupted upgrade apply of this node first (its journal under /etc/kubernetes/tmp): waits for the API server, then continues with its backups. ' +
  "Reads the kubeadm-config ConfigMap and the cluster's versions, enforces the version-skew rules, then checks that " +
  "control-plane nodes are Ready, this node's static Pod manifests exist, the backups fit on disk and the Corefile can be migrated to the new CoreDNS; " +
  '--ignore-preflight-errors=<check>,... or all turns check errors into warnings.';

export const applyPreflightPhase: Phase<UpgradeContext> = {
  name: 'preflight',
  description: 'Run preflight checks before upgrade',
  help: HELP,
  run: applyPreflight,
};

export const nodePreflightPhase: Phase<UpgradeContext> = {
  name: 'preflight',
  description: 'Run upgrade node pre-flight checks',
  help: "Reads the cluster's configuration and versions; the kubelet must not become newer than the API server; on a control-plane node the static Pod manifests must exist and the backups fit on disk.",
  run: nodePreflight,
};
