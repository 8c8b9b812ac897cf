/**
 * What an upgrade reads from the node it runs on (who the node is, what its static Pods depend on), and the
 * node-side upgrade of one node run in this process through its Host.
 */
import path from 'node:path/posix';
import type { Cluster } from '../../cluster/cluster.js';
import { parseHostPort } from '../../config/net.js';
import { normalizeKubernetesVersion } from '../../config/version.js';
import type { EnvVar } from '../../config/types.js';
import { APISERVER_ADVERTISE_ADDRESS_ANNOTATION } from '../../kube/labels.js';
import { UserError } from '../../errors.js';
import { readText, type Host } from '../../host/host.js';
import { KUBECONFIG_FILES, KUBELET_DIR, KUBERNETES_DIR } from '../../kube/paths.js';
import { KUBELET_INSTANCE_CONFIG_FILE } from '../../kubelet/config.js';
import { readKubeconfigTarget } from '../../kubeconfig/kubeconfig.js';
import { manifestPath } from '../../manifests/static-pods.js';
import type { Log } from '../../node/log.js';
import { readManifest } from '../../node/static-pod-files.js';
import { parseCertificate } from '../../pki/certificate.js';
import { parseYaml } from '../../util/yaml.js';
import { backupStamp } from './backup.js';
import { readClusterState } from './cluster-state.js';
import { storedClusterConfiguration, upgradeConfig, type NodeIdentity } from './config.js';
import type { KubeletInstaller } from './kubelet.js';
import { upgradeKubeletConfig } from './phases/kubelet-config.js';
import { installKubelet, restartKubelet } from './phases/kubelet.js';

export { readManifest };

const KUBELET_CONF = path.join(KUBERNETES_DIR, KUBECONFIG_FILES.kubelet);
const NODE_CN_PREFIX = 'system:node:';

/** The node name in the kubelet's client certificate (`system:node:<name>`), embedded in kubelet.conf or a file it names. */
async function nodeNameFromKubeletConf(host: Host): Promise<string | undefined> {
  const text = await readText(host, KUBELET_CONF);
  if (text === undefined) return undefined;
  let target;
  try {
    target = readKubeconfigTarget(text);
  } catch (err) {
    throw new UserError(`${KUBELET_CONF}: ${(err as Error).message}`);
  }
  let pem = target.clientCertPem;
  if (pem === undefined && target.clientCertFile) pem = await readText(host, path.resolve(KUBERNETES_DIR, target.clientCertFile));
  const cn = pem ? parseCertificate(pem)?.subjectName.getField('CN')[0] : undefined;
  return cn?.startsWith(NODE_CN_PREFIX) ? cn.slice(NODE_CN_PREFIX.length) : undefined;
}

async function criSocket(host: Host): Promise<string | undefined> {
  const text = await readText(host, KUBELET_INSTANCE_CONFIG_FILE);
  const fromInstance = text ? (parseYaml(text) as { containerRuntimeEndpoint?: string } | null)?.containerRuntimeEndpoint : undefined;
  if (fromInstance) return fromInstance;
  const flags = await readText(host, path.join(KUBELET_DIR, 'kubeadm-flags.env'));
  return flags ? /--container-runtime-endpoint=([^\s"]+)/.exec(flags)?.[1] : undefined;
}

/** Who this node is: its name (`--node-name`, else kubelet.conf), role and API endpoint (from its API server manifest). */
export async function readNodeIdentity(host: Host, nodeName?: string): Promise<NodeIdentity> {
  const name = nodeName ?? (await nodeNameFromKubeletConf(host));
  if (!name) {
    throw new UserError(`cannot tell this node's name: ${KUBELET_CONF} is missing or its client certificate is not "system:node:<name>"; pass --node-name`);
  }
  const apiServer = await readManifest(host, 'kube-apiserver');
  const identity: NodeIdentity = { name: name.toLowerCase(), controlPlane: apiServer !== undefined, criSocket: await criSocket(host) };
  const endpoint = apiServer?.pod.metadata.annotations?.[APISERVER_ADVERTISE_ADDRESS_ANNOTATION];
  if (apiServer && endpoint) {
    const parsed = parseHostPort(endpoint);
    if ('problem' in parsed) throw new UserError(`${manifestPath('kube-apiserver')}: annotation ${APISERVER_ADVERTISE_ADDRESS_ANNOTATION}: ${parsed.problem}`);
    identity.advertiseAddress = parsed.host;
    identity.bindPort = parsed.port;
  } else if (apiServer) {
    throw new UserError(
      `${manifestPath('kube-apiserver')}: annotation ${APISERVER_ADVERTISE_ADDRESS_ANNOTATION} is missing; it names this node's API endpoint`,
    );
  }
  return identity;
}

/** What the node-side upgrade of one node works with. */
export interface NodeUpgrade {
  /** The node's files, processes and services. */
  host: Host;
  /** The cluster, for its stored configuration (kubeadm-config, kubelet-config). */
  cluster: Cluster;
  /** The version to go to; default: the one the cluster's ClusterConfiguration names (as `bosun upgrade node`). */
  target?: string;
  /** The node's name when its kubelet.conf cannot tell it. */
  nodeName?: string;
  /** How the kubelet binary is replaced on this node. */
  kubelet: KubeletInstaller;
  /** The `*_proxy` variables of the node's machine, which its control-plane Pods would be given. */
  proxyEnv: EnvVar[];
  log: Log;
}

/**
 * The kubelet part of `bosun upgrade node` on one node, in this process through the node's Host (for executors
 * that reach a node through a Host, as the fleet roll does): config.yaml from the cluster's kubelet-config (the old
 * one backed up), the kubelet of the target version, a restart. A control-plane node's static Pods are not touched.
 */
export async function upgradeNodeKubelet(input: NodeUpgrade): Promise<void> {
  const { host, log } = input;
  const state = await readClusterState(input.cluster);
  const target = input.target !== undefined ? normalizeKubernetesVersion(input.target.trim()) : storedClusterConfiguration(state.configTexts).kubernetesVersion;
  const node = await readNodeIdentity(host, input.nodeName);
  await upgradeKubeletConfig(host, log, upgradeConfig(state.configTexts, node, target, input.proxyEnv), node, backupStamp(new Date()));
  await installKubelet(host, input.kubelet, target, log);
  await restartKubelet(host, log);
}
