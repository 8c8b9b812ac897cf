import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ClusterConfiguration } from '../config/types.js';

/**
 * The `kube-system/kubeadm-certs` Secret (`bosun init --upload-certs`, `join --control-plane --certificate-key`):
 * the shared control-plane CAs and keys, each AES-256-GCM encrypted with the certificate key
 * (32 bytes, hex on the command line) and stored as nonce ‖ ciphertext ‖ tag.
 */
export const CERTS_SECRET_NAME = 'kubeadm-certs';
export const CERTIFICATE_KEY_BYTES = 32;
/** The owner token's lifetime: the Secret is garbage-collected with it. */
export const CERTS_TOKEN_TTL = '2h0m0s';
export const CERTS_TOKEN_DESCRIPTION = 'Proxy for managing TTL for the kubeadm-certs secret';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A fresh certificate key, hex. */
export function generateCertificateKey(): string {
  return randomBytes(CERTIFICATE_KEY_BYTES).toString('hex');
}

/** The key's bytes; throws naming the flag when it is not 64 hex digits. */
export function decodeCertificateKey(hex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('the certificate key must be 64 hexadecimal digits (32 bytes)');
  return Buffer.from(hex, 'hex');
}

export function encryptWithKey(plain: Uint8Array, key: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** Throws when the data was not encrypted with this key (or was changed). */
export function decryptWithKey(sealed: Uint8Array, key: Buffer): Buffer {
  const data = Buffer.from(sealed);
  if (data.length < NONCE_BYTES + TAG_BYTES) throw new Error('encrypted data is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new Error('cannot decrypt: wrong certificate key or damaged data');
  }
}

/** One file of the Secret: its key in the Secret and where it lives on a control-plane node. */
export interface CertsSecretEntry {
  key: string;
  path: string;
}

/**
 * What travels, as kubeadm lists it: the cluster, front-proxy and etcd CAs with their keys and the service-account
 * key pair; with external etcd, that etcd's client files instead of the etcd CA. Secret keys replace `/` with `-`.
 */
export function certsSecretEntries(cluster: ClusterConfiguration): CertsSecretEntry[] {
  const dir = cluster.certificatesDir;
  const inDir = (file: string): CertsSecretEntry => ({ key: file.replaceAll('/', '-'), path: `${dir}/${file}` });
  const shared = ['ca.crt', 'ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'sa.pub', 'sa.key'].map(inDir);
  const external = cluster.etcd.external;
  if (!external) return [...shared, inDir('etcd/ca.crt'), inDir('etcd/ca.key')];
  return [
    ...shared,
    { key: 'external-etcd-ca.crt', path: external.caFile ?? '' },
    { key: 'external-etcd.crt', path: external.certFile ?? '' },
    { key: 'external-etcd.key', path: external.keyFile ?? '' },
  ];
}

/**
 * The Secret's values from the files' contents (undefined = the file does not exist: stored empty, as kubeadm does,
 * so a joining node skips it).
 */
export function encryptCertsSecretData(files: Map<string, Uint8Array | undefined>, key: Buffer): Record<string, Uint8Array> {
  return Object.fromEntries([...files].map(([name, data]) => [name, data && data.length ? encryptWithKey(data, key) : new Uint8Array()]));
}

/** The files back from the Secret's (base64-decoded) values; empty values stay empty. */
export function decryptCertsSecretData(data: Record<string, Uint8Array>, key: Buffer): Map<string, Buffer> {
  return new Map(Object.entries(data).map(([name, sealed]) => [name, sealed.length ? decryptWithKey(sealed, key) : Buffer.alloc(0)]));
}
