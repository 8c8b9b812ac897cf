/** What an upgrade reads from the node it runs on: who the node is and what its static Pods depend on. */
import path from 'node:path/posix';
import type { InitConfig } from '../../config/types.js';
import { parseHostPort } from '../../config/net.js';
import { APISERVER_ADVERTISE_ADDRESS_ANNOTATION } from '../../kube/labels.js';
import { KUBECONFIG_FILES, KUBELET_DIR, KUBERNETES_DIR } from '../../kube/paths.js';
import { UserError } from '../../errors.js';
import { readText, type Host } from '../../host/host.js';
import { KUBELET_INSTANCE_CONFIG_FILE } from '../../kubelet/config.js';
import { readKubeconfigTarget } from '../../kubeconfig/kubeconfig.js';
import type { Pod } from '../../manifests/pod.js';
import { manifestPath, type NodeFacts } from '../../manifests/static-pods.js';
import { OPTIONAL_CA_DIRS } from '../../manifests/volumes.js';
import { parseCertificate } from '../../pki/certificate.js';
import { parseYaml } from '../../util/yaml.js';
import type { NodeIdentity } from './config.js';

const KUBELET_CONF = path.join(KUBERNETES_DIR, KUBECONFIG_FILES.kubelet);
const NODE_CN_PREFIX = 'system:node:';

/** A static Pod manifest on the node, parsed; undefined when the file is not there. */
export async function readManifest(host: Host, component: string): Promise<{ text: string; pod: Pod } | undefined> {
  const file = manifestPath(component);
  const text = await readText(host, file);
  if (text === undefined) return undefined;
  let pod: Pod;
  try {
    pod = parseYaml(text) as Pod;
  } catch (err) {
    throw new UserError(`${file}: not a YAML Pod manifest: ${(err as Error).message.split('\n')[0]}`);
  }
  if (pod?.kind !== 'Pod' || !Array.isArray(pod.spec?.containers)) throw new UserError(`${file}: expected a Pod with spec.containers`);
  return { text, pod };
}

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
    throw new UserError(`${manifestPath('kube-apiserver')}: annotation ${APISERVER_ADVERTISE_ADDRESS_ANNOTATION} is missing; it names this node's API endpoint`);
  }
  return identity;
}

/** What the control-plane Pods depend on besides the config: CA bundles and CA key on the node, and the proxy environment. */
export async function readManifestFacts(host: Host, cfg: InitConfig): Promise<NodeFacts> {
  const { certificatesDir } = cfg.cluster;
  const present = await Promise.all(OPTIONAL_CA_DIRS.map(async (dir) => ((await host.stat(dir)) ? [dir] : [])));
  const [caCert, caKey] = await Promise.all(['ca.crt', 'ca.key'].map((f) => host.stat(path.join(certificatesDir, f))));
  return { presentCADirs: present.flat(), proxyEnv: cfg.proxyEnv, externalCA: Boolean(caCert) && !caKey };
}
