import { CERT_LIST, SERVICE_ACCOUNT_KEY, type CertSpec } from '../../../pki/certlist.js';
import { checkExistingPki, ensureCertificate, ensureServiceAccountKey, startCertificateKeys } from '../../../node/certificates.js';
import type { Phase } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';

const DESCRIPTIONS: Record<string, string> = {
  ca: 'Generate the self-signed Kubernetes CA to provision identities for other Kubernetes components',
  apiserver: 'Generate the certificate for serving the Kubernetes API',
  'apiserver-kubelet-client': 'Generate the certificate for the API server to connect to kubelet',
  'front-proxy-ca': 'Generate the self-signed CA to provision identities for front proxy',
  'front-proxy-client': 'Generate the certificate for the front proxy client',
  'etcd-ca': 'Generate the self-signed CA to provision identities for etcd',
  'etcd-server': 'Generate the certificate for serving etcd',
  'etcd-peer': 'Generate the certificate for etcd nodes to communicate with each other',
  'etcd-healthcheck-client': 'Generate the certificate for liveness probes to healthcheck etcd',
  'apiserver-etcd-client': 'Generate the certificate the apiserver uses to access etcd',
};

function certPhase(spec: CertSpec): Phase<InitContext> {
  return {
    name: spec.name,
    description: DESCRIPTIONS[spec.name],
    help: `Writes ${spec.baseName}.crt and ${spec.baseName}.key under the certificates dir; existing valid files are kept.`,
    run: (ctx, io) => ensureCertificate(ctx, io.log, spec),
  };
}

export const certsPhase: Phase<InitContext> = {
  name: 'certs',
  description: 'Certificate generation',
  help: 'Reuses valid certificates and keys already present; ca.crt without ca.key is an external CA.',
  // Starts every key the selected children will create, so they are generated in parallel while the children run in order.
  run: async (ctx, io) => {
    io.log(`[certs] Using certificateDir folder "${ctx.cfg.cluster.certificatesDir}"`);
    const selected = [...CERT_LIST, SERVICE_ACCOUNT_KEY].filter((spec) => io.selected(`certs/${spec.name}`));
    await checkExistingPki(ctx, selected);
    await startCertificateKeys(ctx, selected);
  },
  phases: [
    ...CERT_LIST.map(certPhase),
    {
      name: SERVICE_ACCOUNT_KEY.name,
      description: 'Generate a private key for signing service account tokens along with its public key',
      help: 'Writes sa.key and sa.pub under the certificates dir; an existing key is kept.',
      run: (ctx, io) => ensureServiceAccountKey(ctx, io.log),
    },
  ],
};
