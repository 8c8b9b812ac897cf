import path from 'node:path';
import { KUBECONFIG_FILES, KUBELET_DIR, KUBERNETES_DIR, SECRET_MODE } from '../../../kube/paths.js';
import { quote, UserError } from '../../../errors.js';
import { exists, readText } from '../../../host/host.js';
import { parseKubeconfig, type KubeconfigDoc } from '../../../kubeconfig/kubeconfig.js';
import { emitYaml } from '../../../util/yaml.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

/**
 * kubelet.conf's user switched from embedded credentials to the file the kubelet rotates; undefined when it already
 * points there. Throws naming what is missing.
 */
export function pointAtRotatedCert(doc: KubeconfigDoc, pem: string): KubeconfigDoc | undefined {
  const current = doc['current-context'];
  if (!current) throw new Error('has no current-context');
  const userName = doc.contexts?.find((c) => c.name === current)?.context?.user;
  if (!userName) throw new Error(`has no user for its current context ${quote(current)}`);
  const entry = doc.users?.find((u) => u.name === userName);
  if (!entry) throw new Error(`has no credentials for user "${userName}"`);
  const user = entry.user ?? {};
  if (user['client-certificate'] === pem && user['client-key'] === pem && !user['client-certificate-data'] && !user['client-key-data']) return undefined;
  const { 'client-certificate-data': _cert, 'client-key-data': _key, ...rest } = user;
  return { ...doc, users: doc.users!.map((u) => (u === entry ? { ...u, user: { ...rest, 'client-certificate': pem, 'client-key': pem } } : u)) };
}

async function enableClientCertRotation(ctx: InitContext, io: PhaseIO): Promise<void> {
  const certDir = ctx.cfg.init.nodeRegistration.kubeletExtraArgs?.filter((a) => a.name === 'cert-dir').at(-1)?.value ?? `${KUBELET_DIR}/pki`;
  const pem = path.posix.join(certDir, 'kubelet-client-current.pem');
  // Without the rotated certificate the kubelet does not rotate: kubelet.conf keeps its embedded credentials.
  if (!(await exists(ctx.host, pem))) return;
  const kubeconfigPath = `${KUBERNETES_DIR}/${KUBECONFIG_FILES.kubelet}`;
  const text = await readText(ctx.host, kubeconfigPath);
  if (text === undefined) throw new UserError(`${kubeconfigPath}: file not found`);
  let updated: KubeconfigDoc | undefined;
  try {
    updated = pointAtRotatedCert(parseKubeconfig(text), pem);
  } catch (err) {
    throw new UserError(`${kubeconfigPath}: ${(err as Error).message}`);
  }
  if (!updated) return;
  io.log(`[kubelet-finalize] Updating "${kubeconfigPath}" to point to a rotatable kubelet client certificate and key`);
  await ctx.host.writeFileAtomic(kubeconfigPath, emitYaml(updated), SECRET_MODE);
  await ctx.host.service('kubelet').restart();
}

export const kubeletFinalizePhase: Phase<InitContext> = {
  name: 'kubelet-finalize',
  description: 'Updates settings relevant to the kubelet after TLS bootstrap',
  phases: [
    {
      name: 'enable-client-cert-rotation',
      description: 'Enable kubelet client certificate rotation',
      help: 'When the kubelet rotates its client certificate (kubelet-client-current.pem exists), points kubelet.conf at that file and restarts the kubelet.',
      run: enableClientCertRotation,
    },
  ],
};
