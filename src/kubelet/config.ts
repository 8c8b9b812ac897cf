/** The kubelet's configuration files as kubeadm writes them: the cluster-wide KubeletConfiguration and this node's part. */
import path from 'node:path/posix';
import { formatIP, nthIP, parseCIDRList } from '../config/net.js';
import type { ClusterConfiguration, KubeletConfiguration } from '../config/types.js';
import { MANIFESTS_DIR } from '../kube/paths.js';
import { UserError } from '../errors.js';
import { emitYaml } from '../util/yaml.js';
import { goEncodedKubeletConfiguration } from './encoding.js';

export const KUBELET_INSTANCE_CONFIG_FILE = '/var/lib/kubelet/instance-config.yaml';
/** The kubelet's files are readable by all (no secrets in them), as kubeadm writes them. */
export const KUBELET_FILE_MODE = 0o644;
export const SYSTEMD_RESOLVED_RESOLV_CONF = '/run/systemd/resolve/resolv.conf';

type Obj = Record<string, unknown>;

/** The cluster DNS Service's address: the 10th of the first service subnet. */
export function clusterDNSIP(serviceSubnet: string): string {
  const [first] = parseCIDRList(serviceSubnet) ?? [];
  if (!first) throw new UserError(`ClusterConfiguration: networking.serviceSubnet: "${serviceSubnet}" is not a CIDR`);
  return formatIP(nthIP(first, 10));
}

function optionalDNSIP(serviceSubnet: string): string[] {
  try {
    return [clusterDNSIP(serviceSubnet)];
  } catch {
    return [];
  }
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy of `obj` with `value` at `keys` when nothing is there yet (what the user set stays). */
function withDefault(obj: Obj, keys: string[], value: unknown): Obj {
  const [key, ...rest] = keys;
  if (rest.length === 0) return obj[key] === undefined || obj[key] === '' ? { ...obj, [key]: value } : obj;
  return { ...obj, [key]: withDefault(isObj(obj[key]) ? obj[key] : {}, rest, value) };
}

/**
 * kubeadm's settings on the cluster-wide KubeletConfiguration (the one uploaded to the `kubelet-config`
 * ConfigMap): what the user left unset gets kubeadm's value; certificate rotation is always on.
 */
export function clusterKubeletConfiguration(kubelet: KubeletConfiguration, cluster: ClusterConfiguration): KubeletConfiguration {
  let cfg: Obj = { ...kubelet };
  const defaults: [string[], unknown][] = [
    [['authentication', 'anonymous', 'enabled'], false],
    [['authentication', 'webhook', 'cacheTTL'], '0s'],
    [['authentication', 'webhook', 'enabled'], true],
    [['authentication', 'x509', 'clientCAFile'], path.join(cluster.certificatesDir, 'ca.crt')],
    [['authorization', 'mode'], 'Webhook'],
    [['authorization', 'webhook', 'cacheAuthorizedTTL'], '0s'],
    [['authorization', 'webhook', 'cacheUnauthorizedTTL'], '0s'],
    [['cgroupDriver'], 'systemd'],
    [['clusterDomain'], cluster.networking.dnsDomain],
    [['healthzBindAddress'], '127.0.0.1'],
    [['healthzPort'], 10248],
    [['staticPodPath'], MANIFESTS_DIR],
  ];
  for (const [keys, value] of defaults) cfg = withDefault(cfg, keys, value);
  // An empty list is "unset" too: the config defaults leave clusterDNS empty for this to fill.
  // A service subnet too small for a 10th address is left for validation to report against the file.
  const clusterDNS = kubelet.clusterDNS?.length ? kubelet.clusterDNS : optionalDNSIP(cluster.networking.serviceSubnet);
  return { ...(cfg as KubeletConfiguration), clusterDNS, rotateCertificates: true };
}

/** What only this node has: its CRI socket (kubeadm's instance config, NodeLocalCRISocket, GA in 1.36). */
export function instanceConfiguration(criSocket: string): { containerRuntimeEndpoint: string } {
  return { containerRuntimeEndpoint: criSocket };
}

/**
 * What a Windows kubelet runs with whatever the cluster-wide configuration says (the sig-windows guides' flags
 * `--cgroups-per-qos=false --enforce-node-allocatable="" --resolv-conf=""`): Windows has no cgroups and no resolv.conf.
 */
export const WINDOWS_KUBELET_SETTINGS = { cgroupsPerQOS: false, enforceNodeAllocatable: [], resolvConf: '' } as const;

/**
 * `/var/lib/kubelet/config.yaml`: the cluster-wide configuration with this node's instance settings
 * merged in, and systemd-resolved's real resolv.conf when that service runs (its stub would loop DNS); on a
 * Windows node, the Windows kubelet settings.
 */
export function nodeKubeletConfiguration(
  clusterWide: KubeletConfiguration,
  node: { criSocket: string; systemdResolved: boolean; windows?: boolean },
): KubeletConfiguration {
  const { apiVersion, kind, ...rest } = clusterWide;
  let cfg: Obj = { apiVersion, kind, ...rest, ...instanceConfiguration(node.criSocket) };
  if (node.systemdResolved) cfg = withDefault(cfg, ['resolvConf'], SYSTEMD_RESOLVED_RESOLV_CONF);
  if (node.windows) cfg = { ...cfg, ...WINDOWS_KUBELET_SETTINGS };
  return cfg as KubeletConfiguration;
}

/** `/var/lib/kubelet/config.yaml` as kubeadm writes it (see encoding.ts). */
export function renderKubeletConfiguration(cfg: KubeletConfiguration): string {
  return emitYaml(goEncodedKubeletConfiguration(cfg));
}

export function renderInstanceConfiguration(criSocket: string): string {
  return emitYaml(instanceConfiguration(criSocket));
}
