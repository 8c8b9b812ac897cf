/**
 * Flannel (VXLAN) from its upstream kube-flannel.yml: `net-conf.json` takes the cluster's pod subnet; a cluster
 * with Windows nodes (or asked to be ready for them) gets VNI 4096 and port 4789 on every node, as Windows needs
 * and all nodes must share (flannel#2018), and the Windows DaemonSets of flannel and kube-proxy.
 */
import type { KubeObject } from '../../cluster/cluster.js';
import type { ConfigMap } from '../../kube/objects.js';
import type { AddonAction, AddonDefinition, AddonInput, AddonPlan } from '../addon.js';
import { applyActions, chosenVersion, podSubnets, workloadImageTag } from '../addon-plan.js';
import { objectNamed, upstreamObjects } from '../manifest-files.js';
import { kubeProxyWindowsDaemonSet } from '../windows.js';
import { FLANNEL_NAMESPACE, flannelWindowsConfigMap, flannelWindowsDaemonSet } from './windows.js';

const VERSIONS = ['v0.28.10'] as const;
const manifestPath = (version: string) => `flannel/${version}/kube-flannel.yml`;
const CONFIG_MAP = 'kube-flannel-cfg';
const DAEMON_SET = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: FLANNEL_NAMESPACE, name: 'kube-flannel-ds' } as const;
/** Windows VXLAN: a VNI of 4096 or more and the IANA port (reference §5). */
export const WINDOWS_VXLAN = { VNI: 4096, Port: 4789 } as const;

/** Upstream's `net-conf.json` with the cluster's pod subnets and, for Windows, the VXLAN settings. */
export function netConf(upstream: string, subnets: { ipv4?: string; ipv6?: string }, windows: boolean): string {
  const conf = JSON.parse(upstream) as Record<string, unknown> & { Backend: Record<string, unknown> };
  if (subnets.ipv4) conf.Network = subnets.ipv4;
  else {
    delete conf.Network;
    conf.EnableIPv4 = false;
  }
  if (subnets.ipv6) Object.assign(conf, { EnableIPv6: true, IPv6Network: subnets.ipv6 });
  if (windows) Object.assign(conf.Backend, WINDOWS_VXLAN);
  return `${JSON.stringify(conf, null, 2)}\n`;
}

function withNetConf(cm: ConfigMap, netConfJson: string): ConfigMap {
  return { ...cm, data: { ...cm.data, 'net-conf.json': netConfJson } };
}

/** Same JSON value; text that is not JSON (an operator's broken edit) differs from any. */
function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

/** Flannel before v0.19.0 ran in kube-system (flannel#1615): two DaemonSets would fight over the node's flannel.1. */
const OLD_DAEMON_SET = { ...DAEMON_SET, namespace: 'kube-system' } as const;

/**
 * What an earlier flannel left: its kube-system DaemonSet is deleted; a changed net-conf.json is only read by
 * flanneld at start, so the operator is told to restart the DaemonSet.
 */
async function pastInstall(input: AddonInput, wanted: string): Promise<{ actions: AddonAction[]; warnings: string[] }> {
  const [old, current] = await Promise.all([
    input.cluster.get(OLD_DAEMON_SET),
    input.cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: FLANNEL_NAMESPACE, name: CONFIG_MAP }),
  ]);
  const actions: AddonAction[] = old
    ? [{ action: 'delete', ref: OLD_DAEMON_SET, reason: 'flannel before v0.19.0 ran in kube-system; it now runs in kube-flannel' }]
    : [];
  const previous = current?.data?.['net-conf.json'];
  const changed = previous !== undefined && !sameJson(previous, wanted);
  const warnings = changed
    ? [
        `net-conf.json changes (${previous.replace(/\s+/g, ' ').trim()}); flanneld reads it at start: kubectl -n ${FLANNEL_NAMESPACE} rollout restart daemonset/${DAEMON_SET.name}`,
      ]
    : [];
  return { actions, warnings };
}

async function plan(input: AddonInput): Promise<AddonPlan> {
  const subnets = podSubnets('flannel', input);
  const version = chosenVersion('flannel', VERSIONS, input, VERSIONS[VERSIONS.length - 1]);
  const windows = Boolean(input.settings.windows || input.windowsNodes);
  const path = manifestPath(version);
  const upstream = await upstreamObjects(input.manifests, path);
  const cm = objectNamed<ConfigMap>(upstream, 'ConfigMap', CONFIG_MAP, path);
  const conf = netConf(cm.data['net-conf.json'], subnets, windows);
  const linux = upstream.map((o) => (o === cm ? withNetConf(cm, conf) : o));
  const windowsObjects: KubeObject[] = windows
    ? [
        flannelWindowsConfigMap(input.config, subnets.ipv4 ?? subnets.ipv6!),
        flannelWindowsDaemonSet(input.config, version),
        kubeProxyWindowsDaemonSet(input.config, 'flannel'),
      ]
    : [];
  const { actions, warnings } = await pastInstall(input, conf);
  const notes = [`net-conf.json: Network ${subnets.ipv4 ?? '(none)'}${subnets.ipv6 ? `, IPv6Network ${subnets.ipv6}` : ''}, backend vxlan`];
  if (windows) {
    const why = input.windowsNodes ? 'the cluster has Windows nodes' : '--windows';
    notes.push(`${why}: VXLAN VNI ${WINDOWS_VXLAN.VNI}, port ${WINDOWS_VXLAN.Port}; Windows DaemonSets for flannel and kube-proxy (network flannel.4096)`);
  }
  return { addon: 'flannel', version, actions: [...actions, ...applyActions([...linux, ...windowsObjects])], notes, warnings };
}

export const flannelAddon: AddonDefinition = {
  name: 'flannel',
  description: 'Flannel pod network (VXLAN), with the Windows settings and DaemonSets when the cluster has Windows nodes',
  essential: false,
  versions: VERSIONS,
  defaultVersion: () => VERSIONS[VERSIONS.length - 1],
  plan,
  installedVersion: (cluster) => workloadImageTag(cluster, DAEMON_SET, 'kube-flannel'),
};
