/**
 * What an upgrade reads from the node it runs on: who the node is, and its static Pods' manifests.
 */
import path from 'node:path/posix';
import { parseHostPort } from '../../config/net.js';
import { APISERVER_ADVERTISE_ADDRESS_ANNOTATION } from '../../kube/labels.js';
import { UserError } from '../../errors.js';
import { readText, type Host } from '../../host/host.js';
import { KUBELET_DIR } from '../../kube/paths.js';
import { KUBELET_INSTANCE_CONFIG_FILE } from '../../kubelet/config.js';
import { manifestPath } from '../../manifests/static-pods.js';
import { KUBELET_CONF, nodeNameFromKubeletConf } from '../../node/node-name.js';
import { readManifest } from '../../node/static-pod-files.js';
import { parseYaml } from '../../util/yaml.js';
import type { NodeIdentity } from '../../config/stored.js';

export { readManifest };

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
