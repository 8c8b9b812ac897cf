import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import type { EncryptionAlgorithm } from '../config/types.js';

/** A private key and its public half, as Node key objects. */
export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const RSA_BITS: Partial<Record<EncryptionAlgorithm, number>> = { 'RSA-2048': 2048, 'RSA-3072': 3072, 'RSA-4096': 4096 };
const EC_CURVES: Partial<Record<EncryptionAlgorithm, string>> = { 'ECDSA-P256': 'prime256v1', 'ECDSA-P384': 'secp384r1' };

/** Generates a key off the main thread (libuv pool), so several keys are made at once. */
export function generateKey(algorithm: EncryptionAlgorithm): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => (err ? reject(err) : resolve({ privateKey, publicKey }));
    const bits = RSA_BITS[algorithm];
    const curve = EC_CURVES[algorithm];
    if (bits) generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 }, done);
    else if (curve) generateKeyPair('ec', { namedCurve: curve }, done);
    else reject(new Error(`unsupported encryption algorithm "${algorithm}"`));
  });
}

/** PEM as kubeadm writes keys: PKCS#1 `RSA PRIVATE KEY` for RSA, SEC1 `EC PRIVATE KEY` for ECDSA. */
export function encodePrivateKey(key: KeyObject): string {
  const type = key.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'sec1';
  return key.export({ type, format: 'pem' }).toString();
}

/** PEM `PUBLIC KEY` (PKIX), as in `sa.pub`. */
export function encodePublicKey(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** DER SubjectPublicKeyInfo of a public (or private) key. */
export function publicKeyDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/** Reads a PEM private key (PKCS#1, SEC1 or PKCS#8); undefined when the text is not one. */
export function parsePrivateKey(pem: string | Buffer): KeyPair | undefined {
  try {
    const privateKey = createPrivateKey(pem);
    if (privateKey.asymmetricKeyType !== 'rsa' && privateKey.asymmetricKeyType !== 'ec') return undefined;
    return { privateKey, publicKey: createPublicKey(privateKey) };
  } catch {
    return undefined;
  }
}

/** Reads a PEM public key; undefined when the text is not one. */
export function parsePublicKey(pem: string | Buffer): KeyObject | undefined {
  try {
    return createPublicKey(pem);
  } catch {
    return undefined;
  }
}

/** Whether two keys are the same public key. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return publicKeyDer(a).equals(publicKeyDer(b));
}
