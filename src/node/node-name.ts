/** Which node this is, as its kubelet's credentials say. */
import path from 'node:path/posix';
import { UserError } from '../errors.js';
import { readText, type Host } from '../host/host.js';
import { KUBECONFIG_FILES, KUBERNETES_DIR } from '../kube/paths.js';
import { readKubeconfigTarget } from '../kubeconfig/kubeconfig.js';
import { parseCertificate } from '../pki/certificate.js';

export const KUBELET_CONF = path.join(KUBERNETES_DIR, KUBECONFIG_FILES.kubelet);
const NODE_CN_PREFIX = 'system:node:';

/** The node name in the kubelet's client certificate (`system:node:<name>`), embedded in kubelet.conf or a file it names. */
export async function nodeNameFromKubeletConf(host: Host): Promise<string | undefined> {
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
