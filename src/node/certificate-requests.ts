/**
 * Keys and certificate signing requests for every leaf certificate and kubeconfig kubeadm lists, for an external CA
 * to sign (`kubeadm certs generate-csr`): `<name>.key` + `<name>.csr` under the certificates dir, and for each
 * kubeconfig a partial `<file>` (server and key, no CA, no certificate) + `<file>.csr`. A key already on disk is kept
 * and asked for again (a run stopped halfway is finished by the next); nothing is written before every file that is
 * there has been checked.
 */
import { posix } from 'node:path';
import type { InitConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import { READ_CAPS, type Host } from '../host/host.js';
import { SECRET_MODE } from '../kube/paths.js';
import { buildKubeconfig, readKubeconfigTarget } from '../kubeconfig/kubeconfig.js';
import { KUBECONFIG_LIST, kubeconfigServer } from '../kubeconfig/specs.js';
import type { AltNames, Subject } from '../pki/certificate.js';
import { CERT_LIST, type LeafSpec } from '../pki/certlist.js';
import { createCertificateRequest, parseCertificateRequest, requestMatchesKey } from '../pki/csr.js';
import { nodePkiFromInit } from '../pki/input.js';
import { encodePrivateKey, generateKey, parsePrivateKey, type KeyPair } from '../pki/keys.js';
import { emitYaml } from '../util/yaml.js';

/** One key and its CSR: a certificate's, or a kubeconfig's client certificate's. */
export interface RequestTarget {
  /** As kubeadm lists it: `etcd/server`, `admin.conf`. */
  name: string;
  /** Where the key is: `<name>.key`, or the kubeconfig that holds it. */
  keyPath: string;
  csrPath: string;
  subject: Subject;
  altNames?: AltNames;
  /** For a kubeconfig: the cluster its partial file names. */
  kubeconfig?: { clusterName: string; server: string };
}

/** What a run does for one target: a new key and CSR, a CSR for the key on disk, or nothing (both there and matching). */
export interface RequestStep {
  target: RequestTarget;
  existingKey?: KeyPair;
  writeCsr: boolean;
}

export interface RequestDirs {
  certDir: string;
  kubeconfigDir: string;
}

/** Every leaf certificate, then every kubeconfig, in kubeadm's order. */
export function requestTargets(cfg: InitConfig, dirs: RequestDirs): RequestTarget[] {
  const node = nodePkiFromInit(cfg);
  const leaves = CERT_LIST.filter((spec): spec is LeafSpec => spec.kind === 'leaf').map((spec) => ({
    name: spec.baseName,
    keyPath: posix.join(dirs.certDir, `${spec.baseName}.key`),
    csrPath: posix.join(dirs.certDir, `${spec.baseName}.csr`),
    subject: spec.subject(node),
    altNames: spec.altNames?.(node),
  }));
  const kubeconfigs = KUBECONFIG_LIST.map((spec) => ({
    name: spec.file,
    keyPath: posix.join(dirs.kubeconfigDir, spec.file),
    csrPath: posix.join(dirs.kubeconfigDir, `${spec.file}.csr`),
    subject: spec.subject(node),
    kubeconfig: { clusterName: cfg.cluster.clusterName, server: kubeconfigServer(spec, node) },
  }));
  return [...leaves, ...kubeconfigs];
}

/** The key a target's file holds: a PEM key, or a kubeconfig's client-key-data; refused naming the file when it holds none. */
async function readExistingKey(host: Host, target: RequestTarget): Promise<KeyPair | undefined> {
  const data = await host.readFile(target.keyPath, target.kubeconfig ? READ_CAPS.kubeconfig : READ_CAPS.pki);
  if (!data) return undefined;
  if (!target.kubeconfig) return parsePrivateKey(data) ?? fail(`${target.keyPath} is not a PEM RSA or ECDSA private key`);
  let keyPem: string | undefined;
  try {
    keyPem = readKubeconfigTarget(data.toString('utf8')).clientKeyPem;
  } catch (err) {
    fail(`${target.keyPath} ${(err as Error).message}`);
  }
  return (keyPem && parsePrivateKey(keyPem)) || fail(`${target.keyPath} exists but holds no client-key-data with a PEM private key`);
}

function fail(message: string): never {
  throw new UserError(`${message}; nothing was written`);
}

/** Reads what is on disk for every target and says what to write; refuses, before anything is written, what does not fit. */
export async function planRequests(host: Host, targets: RequestTarget[]): Promise<RequestStep[]> {
  const steps: RequestStep[] = [];
  for (const target of targets) {
    const [existingKey, csrData] = await Promise.all([readExistingKey(host, target), host.readFile(target.csrPath, READ_CAPS.pki)]);
    if (!csrData) {
      steps.push({ target, existingKey, writeCsr: true });
      continue;
    }
    if (!existingKey) fail(`${target.csrPath} exists without its key in ${target.keyPath}: remove it to have both made`);
    const csr = parseCertificateRequest(csrData) ?? fail(`${target.csrPath} is not a PEM certificate request`);
    if (!requestMatchesKey(csr, existingKey)) fail(`${target.csrPath} is not a request for the key in ${target.keyPath}: remove it to have it made again`);
    steps.push({ target, existingKey, writeCsr: false });
  }
  return steps;
}

/** Writes the key (0600, before its CSR: a stopped run leaves a key the next run asks for again), then the CSR. */
export async function writeRequest(host: Host, step: RequestStep, cfg: InitConfig): Promise<void> {
  if (!step.writeCsr) return;
  const { target } = step;
  const key = step.existingKey ?? (await generateKey(cfg.cluster.encryptionAlgorithm));
  const csr = await createCertificateRequest(target.subject, target.altNames, key);
  if (!step.existingKey) {
    const keyPem = encodePrivateKey(key.privateKey);
    const file = target.kubeconfig
      ? emitYaml(buildKubeconfig({ ...target.kubeconfig, userName: target.subject.commonName, credentials: { clientKeyPem: keyPem } }))
      : keyPem;
    await host.writeFileAtomic(target.keyPath, file, SECRET_MODE);
  }
  await host.writeFileAtomic(target.csrPath, csr, SECRET_MODE);
}
