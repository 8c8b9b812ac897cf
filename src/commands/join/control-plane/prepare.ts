/** The control-plane-prepare steps of a joining control-plane node (loaded only on such nodes). */
import { secretValues, type Secret } from '../../../kube/objects.js';
import { KUBERNETES_DIR, MANIFESTS_DIR, PUBLIC_MODE, SECRET_MODE } from '../../../kube/paths.js';
import { ConfigError, UserError } from '../../../errors.js';
import { KUBECONFIG_LIST } from '../../../kubeconfig/specs.js';
import { CONTROL_PLANE_COMPONENTS } from '../../../manifests/control-plane.js';
import { ensureLeaf, startCertificateKeys } from '../../../node/certificates.js';
import { writeFileIfChanged } from '../../../node/files.js';
import { ensureKubeconfig, startKubeconfigKeys } from '../../../node/kubeconfig-files.js';
import { writeStaticPod } from '../../../node/static-pod-files.js';
import { controlPlanePod, readStaticPodFacts } from '../../../node/static-pods.js';
import { CERT_LIST, isEtcdCert, type LeafSpec } from '../../../pki/certlist.js';
import { CERTS_SECRET_NAME, certsSecretEntries, decodeCertificateKey, decryptCertsSecretData } from '../../../tokens/certs-secret.js';
import type { PhaseIO } from '../../../workflow/phase.js';
import type { JoinContext } from '../context.js';
import { requireSharedCerts } from '../node-files.js';

const NAMESPACE = 'kube-system';
/** The kubeconfigs of a joining control-plane node; kubelet.conf comes from the TLS bootstrap instead. */
const JOIN_KUBECONFIGS = ['admin', 'controller-manager', 'scheduler'];

/** The shared CAs and keys from kube-system/kubeadm-certs: all decrypted before any is written. */
export async function downloadCerts(ctx: JoinContext, io: PhaseIO): Promise<void> {
  const hex = ctx.cfg.join.controlPlane?.certificateKey;
  if (!hex) {
    io.log('[download-certs] Skipping: no --certificate-key; the shared certificates must already be on this node');
    return;
  }
  let key: Buffer;
  try {
    key = decodeCertificateKey(hex);
  } catch (err) {
    throw new ConfigError(undefined, 'JoinConfiguration', 'controlPlane.certificateKey (--certificate-key)', (err as Error).message);
  }
  const cfg = await ctx.clusterConfig(io);
  io.log(`[download-certs] Downloading the certificates in Secret "${CERTS_SECRET_NAME}" in the "${NAMESPACE}" Namespace`);
  const cluster = await ctx.bootstrapCluster(io);
  const secret = await cluster.get<Secret>({ apiVersion: 'v1', kind: 'Secret', namespace: NAMESPACE, name: CERTS_SECRET_NAME });
  if (!secret) {
    throw new UserError(
      `Secret ${NAMESPACE}/${CERTS_SECRET_NAME} was not found: it is deleted two hours after upload. Upload the certificates again on a ` +
        'control-plane node with "bosun init phase upload-certs --upload-certs" and join with the key it prints',
    );
  }
  let files: Map<string, Buffer>;
  try {
    files = decryptCertsSecretData(secretValues(secret), key);
  } catch {
    throw new UserError(
      `--certificate-key does not decrypt Secret ${NAMESPACE}/${CERTS_SECRET_NAME}: the key is wrong, or the certificates were uploaded ` +
        'again with another key; use the key printed by the last "bosun init phase upload-certs --upload-certs"',
    );
  }
  for (const entry of certsSecretEntries(cfg.cluster)) {
    const data = files.get(entry.key);
    if (!data?.length || !entry.path) continue;
    await writeFileIfChanged(ctx.host, entry.path, data, entry.path.endsWith('.crt') ? PUBLIC_MODE : SECRET_MODE);
  }
  io.log(`[download-certs] Saving the certificates to the folder: "${cfg.cluster.certificatesDir}"`);
}

/** This node's own certificates, signed by the shared CAs (which must be there: downloaded or copied). */
export async function certs(ctx: JoinContext, io: PhaseIO): Promise<void> {
  const cfg = await ctx.clusterConfig(io);
  const view = { host: ctx.host, cfg, keys: ctx.keys };
  io.log(`[certs] Using certificateDir folder "${cfg.cluster.certificatesDir}"`);
  await requireSharedCerts(ctx.host, cfg.cluster);
  const leaves = CERT_LIST.filter((spec): spec is LeafSpec => spec.kind === 'leaf' && !(isEtcdCert(spec) && !cfg.cluster.etcd.local));
  await startCertificateKeys(view, leaves);
  for (const spec of leaves) await ensureLeaf(view, io.log, spec);
}

export async function kubeconfigs(ctx: JoinContext, io: PhaseIO): Promise<void> {
  const cfg = await ctx.clusterConfig(io);
  const view = { host: ctx.host, cfg, keys: ctx.keys };
  io.log('[kubeconfig] Generating kubeconfig files');
  io.log(`[kubeconfig] Using kubeconfig folder "${KUBERNETES_DIR}"`);
  const specs = KUBECONFIG_LIST.filter((spec) => JOIN_KUBECONFIGS.includes(spec.name));
  await startKubeconfigKeys(view, specs);
  for (const spec of specs) await ensureKubeconfig(view, io.log, spec);
}

export async function manifests(ctx: JoinContext, io: PhaseIO): Promise<void> {
  const cfg = await ctx.clusterConfig(io);
  io.log(`[control-plane] Using manifest folder "${MANIFESTS_DIR}"`);
  const facts = await readStaticPodFacts(ctx.host, cfg);
  for (const component of CONTROL_PLANE_COMPONENTS) {
    await writeStaticPod(ctx.host, io.log, 'control-plane', controlPlanePod(cfg, facts, component), `Creating static Pod manifest for "${component}"`);
  }
}
