/**
 * NodeLocal DNSCache from Kubernetes' own nodelocaldns.yaml, its `__PILLAR__` variables filled as the file's README
 * says for the cluster's kube-proxy mode (reference §8). With IPVS the cache cannot listen on the kube-dns
 * address (IPVS holds it), so pods must ask the link-local address: the kubelet's clusterDNS changes too.
 */
import type { KubeObject } from '../cluster/cluster.js';
import { parseIP } from '../config/net.js';
import { COMPONENT_CONFIG_HASH_ANNOTATION } from '../kube/labels.js';
import { configMap, type ConfigMap } from '../kube/objects.js';
import { UserError } from '../errors.js';
import type { AddonDefinition, AddonInput, AddonPlan } from './addon.js';
import { applyActions, chosenVersion, workloadImageTag } from './addon-plan.js';
import { kubeletConfigWith } from './component-config.js';
import { dnsServiceIP } from './coredns.js';
import { upstreamObjects, type ManifestSource } from './manifest-files.js';

const VERSIONS = ['1.26.7'] as const;
export const DEFAULT_LOCAL_DNS = '169.254.20.10';
const DAEMON_SET = { apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'kube-system', name: 'node-local-dns' } as const;
const KUBELET_CONFIG = { namespace: 'kube-system', name: 'kubelet-config' } as const;

export interface NodeLocalDNSValues {
  localDNS: string;
  /** The kube-dns Service's ClusterIP. */
  dnsServer: string;
  dnsDomain: string;
  ipvs: boolean;
}

/**
 * The template's text with its variables filled. iptables: the cache listens on both addresses and learns the
 * cluster DNS from `kube-dns-upstream` at run time. IPVS: the kube-dns address is dropped wherever it was to be
 * listened on (`-localip`'s `,…` and `bind`'s ` …`) and is the forward target instead. Upstream servers are always
 * the pod's own to fill (from the node's resolv.conf).
 */
export function fillTemplate(text: string, v: NodeLocalDNSValues): string {
  const health = parseIP(v.localDNS)?.family === 6 ? `[${v.localDNS}]` : v.localDNS;
  let out = text.replaceAll('health __PILLAR__LOCAL__DNS__:8080', `health ${health}:8080`);
  out = out.replaceAll('__PILLAR__LOCAL__DNS__', v.localDNS).replaceAll('__PILLAR__DNS__DOMAIN__', v.dnsDomain);
  if (!v.ipvs) return out.replaceAll('__PILLAR__DNS__SERVER__', v.dnsServer);
  return out.replaceAll(',__PILLAR__DNS__SERVER__', '').replaceAll(' __PILLAR__DNS__SERVER__', '').replaceAll('__PILLAR__CLUSTER__DNS__', v.dnsServer);
}

export async function nodeLocalDNSObjects(manifests: ManifestSource, version: string, values: NodeLocalDNSValues): Promise<KubeObject[]> {
  const path = `nodelocaldns/${version}/nodelocaldns.yaml`;
  const filled: ManifestSource = { read: async (p) => fillTemplate(await manifests.read(p), values) };
  return upstreamObjects(filled, path);
}

function localAddress(input: AddonInput): string {
  const address = input.settings.localDNS ?? DEFAULT_LOCAL_DNS;
  if (!parseIP(address)) throw new UserError(`addon nodelocaldns: --local-dns ${address}: expected an IP address (link-local, e.g. ${DEFAULT_LOCAL_DNS})`);
  return address;
}

/** IPVS: the kubelet-config ConfigMap with clusterDNS = the local address (kubeadm's signature kept right). */
async function kubeletConfigChange(input: AddonInput, localDNS: string): Promise<{ objects: KubeObject[]; notes: string[] }> {
  const cm = await input.cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', ...KUBELET_CONFIG });
  const edit = kubeletConfigWith(cm, { clusterDNS: [localDNS] });
  if (!edit) return { objects: [], notes: [`ConfigMap kube-system/kubelet-config already has clusterDNS ${localDNS}`] };
  const annotations = edit.signature === undefined ? {} : { annotations: { [COMPONENT_CONFIG_HASH_ANNOTATION]: edit.signature } };
  return {
    objects: [configMap(KUBELET_CONFIG.namespace, KUBELET_CONFIG.name, edit.data, annotations)],
    notes: [
      `kube-proxy runs IPVS: ConfigMap kube-system/kubelet-config gets clusterDNS [${localDNS}]; each node's /var/lib/kubelet/config.yaml follows on its next \`bosun upgrade node\``,
    ],
  };
}

async function plan(input: AddonInput): Promise<AddonPlan> {
  const version = chosenVersion('nodelocaldns', VERSIONS, input, VERSIONS[VERSIONS.length - 1]);
  const localDNS = localAddress(input);
  const { networking } = input.config.cluster;
  const ipvs = input.config.kubeProxy.mode === 'ipvs';
  const values = { localDNS, dnsServer: dnsServiceIP(networking.serviceSubnet), dnsDomain: networking.dnsDomain, ipvs };
  const objects = await nodeLocalDNSObjects(input.manifests, version, values);
  const kubelet = ipvs ? await kubeletConfigChange(input, localDNS) : { objects: [], notes: [] };
  return {
    addon: 'nodelocaldns',
    version,
    actions: applyActions([...objects, ...kubelet.objects]),
    notes: [
      `cache on ${localDNS}${ipvs ? '' : ` and ${values.dnsServer}`} for ${networking.dnsDomain} (kube-proxy ${ipvs ? 'ipvs' : 'iptables'})`,
      ...kubelet.notes,
    ],
    warnings: [],
  };
}

export const nodeLocalDNSAddon: AddonDefinition = {
  name: 'nodelocaldns',
  description: 'NodeLocal DNSCache: a DNS cache on every node, on a link-local address',
  essential: false,
  versions: VERSIONS,
  defaultVersion: () => VERSIONS[VERSIONS.length - 1],
  plan,
  installedVersion: (cluster) => workloadImageTag(cluster, DAEMON_SET, 'node-cache'),
};
