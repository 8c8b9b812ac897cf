/**
 * The kubeconfig files of a control-plane node under /etc/kubernetes: each with a client certificate signed by the
 * cluster CA, written when missing and kept when it still fits. Shared by `init` and a joining control plane.
 */
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import { READ_CAPS } from '../host/host.js';
import { KUBERNETES_DIR, SECRET_MODE } from '../kube/paths.js';
import { buildKubeconfig, readKubeconfigTarget, type KubeconfigTarget } from '../kubeconfig/kubeconfig.js';
import { kubeconfigClientValidity, kubeconfigServer, type KubeconfigSpec } from '../kubeconfig/specs.js';
import { createLeafCertificate, encodeCertificate, parseCertificate } from '../pki/certificate.js';
import { CLUSTER_CA } from '../pki/certlist.js';
import { leafProblem } from '../pki/check.js';
import { nodePkiFromInit } from '../pki/input.js';
import { encodePrivateKey, parsePrivateKey } from '../pki/keys.js';
import { emitYaml } from '../util/yaml.js';
import { loadCa, type LoadedCa, type PkiInput } from './certificates.js';
import type { Log } from './log.js';

/** The name a kubeconfig's client key is started under in the key pool. */
const keyName = (spec: KubeconfigSpec) => `kubeconfig/${spec.name}`;

const kubeconfigPath = (spec: KubeconfigSpec) => posix.join(KUBERNETES_DIR, spec.file);

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

async function checkExisting(pki: PkiInput, log: Log, path: string, existing: Buffer, ca: LoadedCa, server: string): Promise<void> {
  let target: KubeconfigTarget;
  try {
    target = readKubeconfigTarget(existing.toString('utf8'));
  } catch (err) {
    throw new UserError(`kubeconfig file ${path} exists already but ${(err as Error).message}; remove it to have it written again`);
  }
  const caPem = target.caCertPem ?? (target.caFile ? (await pki.host.readFile(target.caFile, READ_CAPS.pki))?.toString('utf8') : undefined);
  const problem = await existingProblem(target, caPem, ca);
  if (problem) throw new UserError(`kubeconfig file ${path} exists already but ${problem}; remove it to have it written again`);
  if (target.server !== server) {
    log(`[kubeconfig] WARNING: kubeconfig file ${path} exists already but has an unexpected API Server URL: expected: ${server}, got: ${target.server}`);
  }
  log(`[kubeconfig] Using existing kubeconfig file: "${path}"`);
}

export async function ensureKubeconfig(pki: PkiInput, log: Log, spec: KubeconfigSpec): Promise<void> {
  const { host, cfg } = pki;
  const node = nodePkiFromInit(cfg);
  const path = kubeconfigPath(spec);
  const server = kubeconfigServer(spec, node);
  const [ca, existing] = await Promise.all([loadCa(host, cfg.cluster.certificatesDir, CLUSTER_CA), host.readFile(path, READ_CAPS.kubeconfig)]);
  if (existing) return checkExisting(pki, log, path, existing, ca, server);
  if (!ca.key) {
    throw new UserError(
      `${path} is missing and ${ca.keyPath} is not there to sign its client certificate: with an external CA, every kubeconfig file must be provided`,
    );
  }
  const key = await pki.keys.take(keyName(spec), cfg.cluster.encryptionAlgorithm);
  const subject = spec.subject(node);
  const cert = await createLeafCertificate(
    { subject, usages: ['client'] },
    key,
    { cert: ca.cert, key: ca.key },
    kubeconfigClientValidity(ca.cert, cfg.cluster, new Date()),
  );
  log(`[kubeconfig] Writing "${spec.file}" kubeconfig file`);
  const kubeconfig = buildKubeconfig({
    clusterName: cfg.cluster.clusterName,
    server,
    caCertPem: encodeCertificate(ca.cert),
    userName: subject.commonName,
    credentials: { clientCertPem: encodeCertificate(cert), clientKeyPem: encodePrivateKey(key.privateKey) },
  });
  await host.writeFileAtomic(path, emitYaml(kubeconfig), SECRET_MODE);
}

/** Starts the client keys of the kubeconfigs not yet on disk, generated in parallel while the files are written in order. */
export async function startKubeconfigKeys(pki: PkiInput, specs: KubeconfigSpec[]): Promise<void> {
  const present = await Promise.all(specs.map((spec) => pki.host.stat(kubeconfigPath(spec))));
  specs.filter((_, i) => !present[i]).forEach((spec) => pki.keys.start(keyName(spec), pki.cfg.cluster.encryptionAlgorithm));
}
