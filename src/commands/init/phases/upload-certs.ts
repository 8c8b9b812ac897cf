import type { KubeObject } from '../../../cluster/cluster.js';
import { group, secret, type Secret } from '../../../kube/objects.js';
import {
  CERTS_SECRET_NAME,
  CERTS_TOKEN_DESCRIPTION,
  CERTS_TOKEN_TTL,
  certsSecretEntries,
  decodeCertificateKey,
  encryptCertsSecretData,
  generateCertificateKey,
} from '../../../tokens/certs-secret.js';
import { readAccess } from '../../../tokens/rbac.js';
import { tokenExpiration, tokenSecret } from '../../../tokens/secret.js';
import { DEFAULT_TOKEN_GROUP, generateToken } from '../../../tokens/token.js';
import { ConfigError } from '../../../errors.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

const NAMESPACE = 'kube-system';

async function uploadCerts(ctx: InitContext, io: PhaseIO): Promise<void> {
  if (!ctx.options.uploadCerts) {
    io.log('[upload-certs] Skipping phase. Please see --upload-certs');
    return;
  }
  // The key is shared with show-join-command through the config, as kubeadm keeps it in its init data.
  const init = ctx.cfg.init;
  init.certificateKey ||= generateCertificateKey();
  let key: Buffer;
  try {
    key = decodeCertificateKey(init.certificateKey);
  } catch (err) {
    throw new ConfigError(undefined, 'InitConfiguration', 'certificateKey (--certificate-key)', (err as Error).message);
  }
  const cluster = await ctx.cluster();
  io.log(`[upload-certs] Storing the certificates in Secret "${CERTS_SECRET_NAME}" in the "${NAMESPACE}" Namespace`);

  // The Secret lives as long as a bootstrap token without usages: when the token expires, the Secret is collected.
  const ownerToken = { token: generateToken(), description: CERTS_TOKEN_DESCRIPTION, ttl: CERTS_TOKEN_TTL };
  const owner = await cluster.apply<Secret>(tokenSecret(ownerToken, tokenExpiration(ownerToken, new Date())));
  const files = new Map<string, Uint8Array | undefined>();
  for (const entry of certsSecretEntries(ctx.cfg.cluster)) files.set(entry.key, entry.path ? await ctx.host.readFile(entry.path) : undefined);
  const ownerRef = { apiVersion: 'v1', kind: 'Secret', name: owner.metadata.name, uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
  const objects: KubeObject[] = [
    secret(NAMESPACE, CERTS_SECRET_NAME, 'Opaque', encryptCertsSecretData(files, key), { ownerReferences: [ownerRef] }),
    ...readAccess(NAMESPACE, `kubeadm:${CERTS_SECRET_NAME}`, 'secrets', CERTS_SECRET_NAME, [group(DEFAULT_TOKEN_GROUP)]),
  ];
  for (const obj of objects) await cluster.apply(obj);
  if (!ctx.options.skipCertificateKeyPrint) io.log(`[upload-certs] Using certificate key:\n${init.certificateKey}`);
}

export const uploadCertsPhase: Phase<InitContext> = {
  name: 'upload-certs',
  description: 'Upload certificates to kubeadm-certs',
  help:
    'With --upload-certs: encrypts the shared CAs and keys with the certificate key (--certificate-key, or a new one ' +
    'printed once) into kube-system/kubeadm-certs, owned by a bootstrap token that expires in 2h.',
  run: uploadCerts,
};
