import { posix } from 'node:path';
import { KUBERNETES_DIR, SECRET_MODE } from '../../../kube/paths.js';
import { UserError } from '../../../errors.js';
import { buildKubeconfig, readKubeconfigTarget, type KubeconfigTarget } from '../../../kubeconfig/kubeconfig.js';
import { KUBECONFIG_LIST, kubeconfigServer, type KubeconfigSpec } from '../../../kubeconfig/specs.js';
import { createLeafCertificate, encodeCertificate, parseCertificate } from '../../../pki/certificate.js';
import { CLUSTER_CA } from '../../../pki/certlist.js';
import { leafProblem } from '../../../pki/check.js';
import { nodePkiFromInit } from '../../../pki/input.js';
import { encodePrivateKey, parsePrivateKey } from '../../../pki/keys.js';
import { validities } from '../../../pki/validity.js';
import { emitYaml } from '../../../util/yaml.js';
import type { Phase, PhaseIO } from '../../../workflow/phase.js';
import type { InitContext } from '../context.js';
import { loadCa, type LoadedCa } from './certs.js';

export const keyName = (spec: KubeconfigSpec) => `kubeconfig/${spec.name}`;

/**
 * An existing kubeconfig is kept when it trusts the cluster CA and its embedded client certificate (if any) holds;
 * a different server is only warned about, as kubeadm does (it may be a load balancer in front of this node).
 */
async function existingProblem(target: KubeconfigTarget, caPem: string | undefined, ca: LoadedCa): Promise<string | undefined> {
  const caCert = caPem ? parseCertificate(caPem) : undefined;
  if (!caCert || !caCert.equal(ca.cert)) return `its certificate-authority-data is not the cluster CA in ${ca.certPath}`;
  // kubelet.conf points at rotated files after kubelet-finalize: only embedded credentials are checked here.
  if (target.clientCertPem === undefined) return undefined;
  const cert = parseCertificate(target.clientCertPem);
  const key = target.clientKeyPem ? parsePrivateKey(target.clientKeyPem) : undefined;
  if (!cert || !key) return 'its client-certificate-data or client-key-data is not a PEM certificate and key';
  const problem = await leafProblem([cert], key, { usages: ['client'] }, ca.cert);
  return problem && `its client certificate ${problem}`;
}

export async function ensureKubeconfig(ctx: Pick<InitContext, 'host' | 'cfg' | 'keys'>, io: PhaseIO, spec: KubeconfigSpec): Promise<void> {
  const { host, cfg } = ctx;
  const node = nodePkiFromInit(cfg);
  const path = posix.join(KUBERNETES_DIR, spec.file);
  const server = kubeconfigServer(spec, node);
  const [ca, existing] = await Promise.all([loadCa(host, cfg.cluster.certificatesDir, CLUSTER_CA), host.readFile(path)]);
  if (existing) {
    let target: KubeconfigTarget;
    try {
      target = readKubeconfigTarget(existing.toString('utf8'));
    } catch (err) {
      throw new UserError(`kubeconfig file ${path} exists already but ${(err as Error).message}; remove it to have it written again`);
    }
    const caPem = target.caCertPem ?? (target.caFile ? (await host.readFile(target.caFile))?.toString('utf8') : undefined);
    const problem = await existingProblem(target, caPem, ca);
    if (problem) throw new UserError(`kubeconfig file ${path} exists already but ${problem}; remove it to have it written again`);
    if (target.server !== server) {
      io.log(`[kubeconfig] WARNING: kubeconfig file ${path} exists already but has an unexpected API Server URL: expected: ${server}, got: ${target.server}`);
    }
    io.log(`[kubeconfig] Using existing kubeconfig file: "${path}"`);
    return;
  }
  if (!ca.key) {
    throw new UserError(`${path} is missing and ${ca.keyPath} is not there to sign its client certificate: with an external CA, every kubeconfig file must be provided`);
  }
  const key = await ctx.keys.take(keyName(spec), cfg.cluster.encryptionAlgorithm);
  const subject = spec.subject(node);
  const cert = await createLeafCertificate({ subject, usages: ['client'] }, key, { cert: ca.cert, key: ca.key }, validities(cfg.cluster, new Date()).leaf);
  io.log(`[kubeconfig] Writing "${spec.file}" kubeconfig file`);
  const kubeconfig = buildKubeconfig({
    clusterName: cfg.cluster.clusterName,
    server,
    caCertPem: encodeCertificate(ca.cert),
    userName: subject.commonName,
    clientCertPem: encodeCertificate(cert),
    clientKeyPem: encodePrivateKey(key.privateKey),
  });
  await host.writeFileAtomic(path, emitYaml(kubeconfig), SECRET_MODE);
}

const DESCRIPTIONS: Record<string, string> = {
  admin: 'Generate a kubeconfig file for the admin to use and for kubeadm itself',
  'super-admin': 'Generate a kubeconfig file for the super-admin',
  kubelet: 'Generate a kubeconfig file for the kubelet to use *only* for cluster bootstrapping purposes',
  'controller-manager': 'Generate a kubeconfig file for the controller manager to use',
  scheduler: 'Generate a kubeconfig file for the scheduler to use',
};

export const kubeconfigPhase: Phase<InitContext> = {
  name: 'kubeconfig',
  description: 'Generate all kubeconfig files necessary to establish the control plane and the admin kubeconfig file',
  // Starts the client keys of the selected kubeconfigs not yet on disk, generated in parallel.
  run: async (ctx, io) => {
    io.log(`[kubeconfig] Using kubeconfig folder "${KUBERNETES_DIR}"`);
    const wanted = KUBECONFIG_LIST.filter((spec) => io.selected(`kubeconfig/${spec.name}`));
    const present = await Promise.all(wanted.map((spec) => ctx.host.stat(posix.join(KUBERNETES_DIR, spec.file))));
    wanted.filter((_, i) => !present[i]).forEach((spec) => ctx.keys.start(keyName(spec), ctx.cfg.cluster.encryptionAlgorithm));
  },
  phases: KUBECONFIG_LIST.map((spec) => ({
    name: spec.name,
    description: DESCRIPTIONS[spec.name],
    help: `Writes ${KUBERNETES_DIR}/${spec.file} (0600); an existing file with the same CA and server is kept.`,
    run: (ctx: InitContext, io: PhaseIO) => ensureKubeconfig(ctx, io, spec),
  })),
};
